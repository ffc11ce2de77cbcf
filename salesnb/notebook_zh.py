"""The analyst notes (markdown cells) of the four notebooks in Chinese.

A Chinese run (``lang="zh"``) writes its executed notebooks with these notes in
place of the English ones (:func:`localise_markdown`), so an analyst reading
the ZH notebooks reads Chinese throughout. Cells are found by their id; a cell
without a Chinese text here keeps its English note.
"""
from __future__ import annotations

from pathlib import Path

__all__ = ["MARKDOWN_ZH", "localise_markdown"]

MARKDOWN_ZH: dict[tuple[str, str], str] = {
    ("01_goals", "about"): (
        "# 第一步 · 目标 —— 现状、瓶颈、SMART 目标与基线\n\n"
        "*分析员：* 设置下方参数（或由 `salesnb run` 设置）后运行全部单元格。在 `workspace.yaml` 中修改目标并重新运行，"
        "即可看到评估结论的变化。所有数字均来自 `salesnb`（`salesnb.metrics`、`salesnb.goals`）；本笔记本只调用它们，并写出 "
        "`history.csv`、`satisfaction_history.csv`、`bottlenecks.csv`、`forecast.csv`、`goals.csv`、`baselines.csv`、"
        "`delivery_history.csv`（订单行含承诺与实际交付日期时）以及 `summary.json` 中第一步的指标。"
    ),
    ("02_breakdown", "about"): (
        "# 第二步 · 拆解 —— 销售计划拆解与资源配置\n\n"
        "*分析员：* 报告期 `period` 的运行规划的是**下一期**。`period` 为全年或其最后一个季度（如 `2025Q4`）时，计划为下一财年"
        "（`2026`），按月分解；其他季度（如 `2025Q3`）规划下一季度（`2025Q4`）。在 `workspace.yaml` 中设置 "
        "`breakdown.horizon: year | quarter` 可强制指定。只使用截至 `period` 末的数据。\n\n"
        "总目标来自第一步的目标（同一文件夹中第一步已运行时为 `artifacts/goals.csv`，否则为 `workspace.yaml` 的 goals）或 "
        "`breakdown.total`；分解方法、手工调整、新老客户拆分、分月、分层、预算与行动计划均在 `workspace.yaml` 中配置"
        "（`breakdown`、`tiers`、`budget`、`action_plan` 部分）。全部逻辑位于 `salesnb.breakdown`。\n\n"
        "计划之前的销售历史不足时（季度计划需一个完整季度，年度计划需十二个月），本步会说明一次（现有与所需的月数），"
        "只展示客户分层；此时 `targets.csv`、`target_checks.csv` 与 `budget.csv` 仅写出列名，不写 `targets.xlsx`。\n\n"
        "写出 `artifacts/actuals_split.csv`、`targets.csv`、`targets.xlsx`、`target_checks.csv`、`tiers.csv`、"
        "`customer_tiers.csv`、`actions_plan.csv`、`budget.csv` 以及本步的 `summary.json` 指标（见 `docs/outputs.md`）。"
    ),
    ("02_breakdown", "panel-about"): (
        "### 试试其他设置（分析员，JupyterLab）\n\n"
        "在 JupyterLab 中运行下一个单元格：选择分解方法、混合权重、总目标增速与手工调整（每行一条，如 `region 华南 +25%` 或 "
        "`product_line 智能控制系统 130000000`），目标矩阵与增速提示随之更新。这里的改动不会修改 `workspace.yaml` 或上面的产出文件——"
        "把满意的设置抄入 `workspace.yaml` 后重新运行。静态 HTML 报告中该面板不可操作；上面的表格展示的是工作区自身的设置。"
    ),
    ("03_diagnosis", "about"): (
        "# 第三步 · 诊断 —— 调研设计、评分、驱动因素、投诉、文本与鱼骨图\n\n"
        "满意度为何处于当前水平，核心痛点是什么？各部分：调研设计与覆盖、分维度与分细分的评分、NPS 分布与变化（问卷未问推荐意愿时"
        "以 1–5 分满意度代替）、交付履约与满意度（订单行含承诺与实际交付日期时）、关键驱动因素与重要性–表现矩阵、投诉的帕累托分析与"
        "响应时长、高频词与主题（引用已脱敏）、问题排序（`diagnosis.json`，供第四步读取）及其鱼骨图。\n\n"
        "各数字是否加权（按区域 × 受访者类型事后分层）在其出现处标明。产出：`sample_plan.csv`、`contact_list.csv`（客户编号与分层；"
        "姓名、电话、邮箱只写入内部文件 `internal/survey_contacts.csv`）、`dimension_scores.csv`、`nps_by_region.csv`、"
        "`nps_by_segment.csv`（或 `satisfaction_by_segment.csv`）、`score_changes.csv`、`delivery_scores.csv`、`drivers.csv`、"
        "`complaint_categories.csv`、`pareto.csv`、`frequent_words.csv`、`themes.csv`、`diagnosis.json`（见 docs/outputs.md）。"
    ),
    ("03_diagnosis", "design-note"): (
        "## 调研设计\n"
        "抽样框为报告期末的客户档案及第一步的流失状态；样本计划针对下一轮调研（workspace.yaml 中的 `survey.design`）。"
        "含个人信息的联系名单写入 `internal/`，不进入报告。"
    ),
    ("04_improvement", "about"): (
        "# 第四步 · 改进 —— 措施、改进措施台账与季度闭环\n\n"
        "*分析员：* 本笔记本从同一运行目录读取第三步的 `diagnosis.json` 与第一步的 `bottlenecks.csv`，从措施库"
        "（`salesnb.improve.measure_library`，可在 workspace.yaml 的 `measures:` 下修改）提出措施，把最优措施以“计划中”列入台账，"
        "按考核指标评估以往季度的措施并检查目标达成。台账保存措施与责任人的代码（`measure_key`、`owner_key`），每份报告以自己的语言显示；"
        "人工填写的 `measure_text`、`owner_text` 按原文显示。写出 `proposals.csv`、`actions.xlsx`（更新后的台账）、`decisions.json`、"
        "`tracking.csv`、`goal_attainment.csv`、`response_times.csv`（记录了首次响应时）与 `delivery_by_region.csv`"
        "（订单行含承诺与实际交付日期时）。只有正式发布的 `salesnb run` 才会把台账写回工作区（被替换的版本保存在 `actions.history/`）。"
    ),
}


def localise_markdown(notebook: str | Path, lang: str) -> bool:
    """Replace the analyst notes of an executed notebook by their ``lang`` text (Chinese only; English is
    the notebooks' own). Returns True when the file changed.

    The notebook's name (``02_breakdown``) and each markdown cell's id pick the text in :data:`MARKDOWN_ZH`.
    """
    import nbformat

    if lang != "zh":
        return False
    path = Path(notebook)
    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        text = MARKDOWN_ZH.get((path.stem, cell.get("id", "")))
        if cell.cell_type == "markdown" and text is not None and cell.source != text:
            cell.source = text
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed
