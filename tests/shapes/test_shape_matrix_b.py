"""The workspace-shape matrix (issue 14), second half: each shape publishes all four steps with no
traceback, no n/a tile, no 'nan'/'None'/'()' and no sentence contradicting its artifacts.

See test_shape_matrix.py.
"""
import pytest

from .runner import half, ids, run_shape

pytestmark = [pytest.mark.shapes, pytest.mark.shape_matrix, pytest.mark.e2e]
SHAPES_HERE = half(1)


@pytest.mark.parametrize("i, lang", SHAPES_HERE, ids=ids(SHAPES_HERE))
def test_shape_publishes_and_tells_the_truth(i, lang, tmp_path):
    run_shape(i, tmp_path, lang)
