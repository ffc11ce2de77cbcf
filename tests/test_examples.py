"""The example builders in examples/ on tiny inputs written here (no public data, no notebook runs).

Each test writes a few rows shaped like the public file, runs the example's
functions and checks them against values computed independently in the test.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- superstore


SUPERSTORE_HEADER = ("Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,Country,City,State,"
                     "Postal Code,Region,Product ID,Category,Sub-Category,Product Name,Sales,Quantity,Discount,Profit")
REGIONS = ["Central", "East", "South", "West"]
CATEGORIES = ["Furniture", "Office Supplies", "Technology"]
SEGMENTS = {"C1": "Consumer", "C2": "Corporate", "C3": "Home Office", "C4": "Consumer"}


def _superstore_rows() -> list[dict]:
    """40 lines over 2018–2019 (+1 line identical to another but for its Row ID); US dates."""
    rows = []
    k = 0
    for year in (2018, 2019):
        for month in (2, 5, 8, 11):
            for j, cust in enumerate(SEGMENTS):
                if year == 2018 and cust == "C4":
                    continue  # C4 is new in 2019
                k += 1
                region = REGIONS[(k + j) % 4] if cust != "C1" else ("East" if k % 3 else "West")
                rows.append({"Order ID": f"CA-{year}-{k:04d}", "Order Date": f"{month}/{3 + j}/{year}", "Customer ID": cust,
                             "Segment": SEGMENTS[cust], "Region": region, "Category": CATEGORIES[(k + month) % 3],
                             "Product ID": f"P-{k % 5}", "Sales": round(100 + 37.5 * k + (year - 2018) * 20, 4), "Quantity": 1 + k % 3})
    rows.append(dict(rows[3]))  # the Row 3406/3407 case: identical except Row ID
    return rows


def _write_superstore(path: Path) -> pd.DataFrame:
    rows = _superstore_rows()
    frame = pd.DataFrame(rows)
    lines = [SUPERSTORE_HEADER]
    for i, r in enumerate(rows, 1):
        lines.append(",".join([str(i), r["Order ID"], r["Order Date"], r["Order Date"], "Standard Class", r["Customer ID"],
                               f"Name {r['Customer ID']}", r["Segment"], "United States", "City", "State", "10001", r["Region"],
                               r["Product ID"], r["Category"], "Binders", '"Item, large"', str(r["Sales"]), str(r["Quantity"]),
                               "0", "1.5"]))
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return frame


def _import_superstore(src: Path, out: Path):
    from salesnb.ingest import build_workspace

    return build_workspace(src, EXAMPLES / "superstore" / "import.yaml", out)


def test_superstore_mapping_counts_and_home_region(tmp_path):
    src = tmp_path / "superstore.csv"
    frame = _write_superstore(src)
    assert len(frame) <= 50
    counts = _import_superstore(src, tmp_path / "ws").counts
    per_region = frame.groupby(["Customer ID", "Region"]).size()
    assert counts["lines"] == counts["sales"] == len(frame) == 29
    assert counts["customers"] == frame["Customer ID"].nunique() == 4
    customers = pd.read_csv(tmp_path / "ws" / "customers.csv", dtype=str).set_index("customer_id")
    for cust, g in per_region.groupby(level=0):
        top = g.droplevel(0)
        assert customers.loc[cust, "region"] == sorted(top[top == top.max()].index)[0]  # most lines; ties alphabetical
        assert customers.loc[cust, "segment"] == SEGMENTS[cust]
        assert customers.loc[cust, "customer_name"] == f"Name {cust}"
    with pytest.raises(FileExistsError):
        _import_superstore(src, tmp_path / "ws")


def test_superstore_workspace_reads_us_dates_and_keeps_both_identical_lines(tmp_path):
    import salesnb

    src = tmp_path / "superstore.csv"
    frame = _write_superstore(src)
    _import_superstore(src, tmp_path / "ws")
    ws = salesnb.load_workspace(tmp_path / "ws")
    sales = ws.tables["sales"]
    assert len(sales) == len(frame)  # Row ID keeps the two identical lines apart: nothing quarantined
    assert sales["amount"].sum() == pytest.approx(frame["Sales"].sum(), abs=1e-6)
    first = sales.sort_values("order_id").iloc[0]
    assert first["order_date"] == pd.Timestamp("2018-02-03")  # 2/3/2018 is 3 February (month/day), never 2 March
    assert set(ws.tables["customers"]["segment"]) == set(SEGMENTS.values())
    assert "product" in sales.columns and "Row ID" in sales.columns  # Row ID kept as an extra column


def test_superstore_plan_margins_add_up(tmp_path):
    ss = _example("superstore")
    src = tmp_path / "superstore.csv"
    frame = _write_superstore(src)
    _import_superstore(src, tmp_path / "ws")
    res = ss.plan(tmp_path / "ws", "2019Q4")
    plan = res["plan"]
    dates = pd.to_datetime(frame["Order Date"], format="%m/%d/%Y")
    base_2019 = frame.loc[dates.dt.year == 2019, "Sales"].sum()
    assert plan.total.source == "goal" and str(plan.periods.plan) == "2020"
    assert plan.total.value == round(base_2019 * 1.20)  # goal S1: +20 % on 2019, whole dollars
    cells = plan.cells
    assert cells["target"].sum() == plan.total.value
    for dim in ("region", "product_line", "segment", "customer_type"):
        assert cells.groupby(dim)["target"].sum().sum() == plan.total.value
    assert plan.phased.groupby("segment")["target"].sum().to_dict() == cells.groupby("segment")["target"].sum().to_dict()
    assert all(v == 0 for k, v in res["check"].items() if k not in ("whole_dollars", "zero_cells"))
    assert res["check"]["whole_dollars"] is True
    assert plan.margin_checks["ok"].all()


# --------------------------------------------------------------------------- waimai


WAIMAI = [
    (1, "很快，好吃"),
    (0, "送餐太慢了，等了两个小时"),
    (0, "饭菜都凉了，送餐员态度差"),
    (0, "凉皮味道一般"),
    (0, "   "),
    (0, "味道太咸，难吃"),
    (0, "少送了一份米饭，打电话没人接"),
    (1, "送餐快，味道好"),
    (0, "慢死了，要求12点送到结果1点才到"),
]


def test_waimai_counts_themes_and_hand_checks(tmp_path):
    wm = _example("waimai")
    src = tmp_path / "waimai.csv"
    pd.DataFrame(WAIMAI, columns=["label", "review"]).to_csv(src, index=False)
    texts, counts = wm.load(src)
    assert counts == {"reviews": 9, "negative": 7, "positive": 2, "negative_blank_set_aside": 1, "negative_repeated_texts": 0,
                      "texts": 6}
    r = wm.analyse(texts, top=10)
    negative = [t for label, t in WAIMAI if label == 0 and t.strip()]
    hand = r["hand"].set_index("string")
    for s in ("送餐", "慢", "凉", "味道"):
        assert hand.loc[s, "substring_texts"] == sum(s in t for t in negative)
    themes = r["themes"].set_index("theme")
    assert themes.loc["slow_delivery", "mentions"] == 2  # 太慢 / 小时, and 慢死了
    assert themes.loc["cold_food", "mentions"] == 1  # 凉了; 凉皮 is a dish, not cold food
    assert r["cold_food_bare_keyword"] == 2 and r["cold_only_from_dish_names"] == 1
    assert themes.loc["wrong_or_missing", "mentions"] == 1
    assert themes["share"].max() == pytest.approx(2 / 6)
    assert r["requested_time_texts"] == 1


# --------------------------------------------------------------------------- olist


OLIST_COLUMNS = ["Unnamed: 0", "id", "order_status", "order_products_value", "order_freight_value", "order_items_qty",
                 "order_sellers_qty", "order_purchase_timestamp", "order_aproved_at", "order_estimated_delivery_date",
                 "order_delivered_customer_date", "customer_city", "customer_state", "customer_zip_code_prefix",
                 "product_category_name", "product_name_lenght", "product_description_lenght", "product_photos_qty",
                 "review_score", "review_comment_title", "review_comment_message", "review_creation_date",
                 "review_answer_timestamp", "most_voted_subclass", "most_voted_class"]


def _olist_rows() -> list[list]:
    # id, value, freight, sellers, purchase, estimated, delivered, zip, score, comment, review date, subclass, class
    spec = [
        (1, 100, 10, 1, "2017-05-01 10:00:00", "2017-05-20", "2017-05-10 12:00:00", 100, 5, "chegou antes do prazo", "2017-05-11",
         "antes_prazo", "satisfeito_com_pedido"),
        (2, 50, 5, 1, "2017-05-02 10:00:00", "2017-05-20", "2017-05-25 09:00:00", 101, 1, "não recebi o produto atrasado",
         "2017-05-21", "atrasado", "problemas_de_entrega"),
        (3, 30, 5, 2, "2017-05-03 10:00:00", "2017-05-20", "2017-05-18 09:00:00", 102, 2, "faltou um item do pedido", "2017-05-19",
         "entrega_parcial", "problemas_de_entrega"),
        (4, 20, 5, 2, "2017-05-03 10:00:00", "2017-05-21", "2017-05-30 09:00:00", 102, 2, "faltou um item do pedido", "2017-05-19",
         "entrega_parcial", "problemas_de_entrega"),  # second seller's part of review 3: merged, delivered 2017-05-30
        (5, 80, 8, 1, "2017-06-01 10:00:00", "2017-06-20", "", 103, 1, "ainda não chegou", "2017-06-21", "atrasado",
         "problemas_de_entrega"),
        (6, 60, 6, 1, "2017-06-02 10:00:00", "2017-06-20", "2017-06-20 18:00:00", 104, 2, "produto com defeito", "2017-06-21",
         "baixa_qualidade", "problemas_de_qualidade"),
        (7, 90, 9, 1, "2017-06-03 10:00:00", "2017-06-25", "2017-06-10 08:00:00", 105, 4, "ótima qualidade", "2017-06-11",
         "satisfeito", "satisfeito_com_pedido"),
        (8, 40, 4, 1, "2017-06-04 10:00:00", "2017-06-25", "2017-06-12 08:00:00", 106, 3, "ok", "2017-06-13", "", ""),
    ]
    rows = []
    for n, (i, v, f, sellers, buy, est, dlv, zip_, score, text, rdate, sub, cls) in enumerate(spec):
        rows.append([n, i, "delivered" if dlv else "shipped", v, f, 1, sellers, buy, buy, est, dlv, "Cidade", "SP", zip_, "casa", 40,
                     300, 1, score, "", text, rdate, rdate + " 10:00:00+00:00", sub, cls])
    return rows


def test_olist_reviews_delay_pareto_and_themes(tmp_path):
    ol = _example("olist")
    src = tmp_path / "olist.csv"
    pd.DataFrame(_olist_rows(), columns=OLIST_COLUMNS).to_csv(src, index=False)
    df, counts = ol.load(src)
    assert counts["rows"] == 8 and counts["rows_merged_into_reviews"] == 1 and counts["reviews"] == 7
    assert counts["not_delivered"] == 1 and counts["without_label"] == 1
    merged = df.set_index("order_id").loc["3"]
    assert merged["parts"] == 2 and merged["value"] == 50 and merged["delay_days"] == 9  # the last part: 05-30 vs 05-21
    delays = df.set_index("order_id")["delay_days"].dropna().astype(int).to_dict()
    assert delays == {"1": -10, "2": 5, "3": 9, "6": 0, "7": -15, "8": -13}
    table = ol.delay_table(df).set_index("band")
    assert table["reviews"].sum() == 7 and table.loc["not delivered", "reviews"] == 1
    assert table.loc["4–7 days late", "mean_score"] == 1 and table.loc["on the estimated day", "reviews"] == 1
    eff = ol.delay_effect(df)
    assert eff["late"] == 2 and eff["mean_late"] == pytest.approx(1.5)
    assert eff["mean_on_time"] == pytest.approx((5 + 2 + 4 + 3) / 4)
    classes, complaint_classes, subclasses = ol.complaint_paretos(df)
    assert dict(zip(classes["cause"], classes["count"])) == {"problemas_de_entrega": 3, "satisfeito_com_pedido": 2,
                                                             "problemas_de_qualidade": 1}
    assert complaint_classes["share"].iloc[0] == pytest.approx(3 / 4)
    assert dict(zip(subclasses["cause"], subclasses["count"])) == {"atrasado": 2, "entrega_parcial": 1, "baixa_qualidade": 1}
    tx = ol.text_analysis(df)
    themes = tx["themes"].set_index("theme")["mentions"]
    assert themes["delivery"] == 2  # não recebi … atrasado, ainda não chegou; "chegou antes do prazo" is praise
    assert themes["quality"] == 1  # defeito; "ótima qualidade" is praise
    assert themes["partial_delivery"] == 1
    assert tx["naive_delivery"]["coded_among_satisfied"] == 1
