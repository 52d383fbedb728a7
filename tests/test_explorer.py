"""The map explorer: its data are exact, and the page works in a real browser."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy.stats import spearmanr

from vxai.explorer import rank_correlations, removed_overlay, to_bytes


def explorer_data(folder, dataset):
    text = (folder / f"{dataset}.js").read_text()
    return json.loads(text[len("VXAI_EXPLORER.push("):-len(");\n")])


def test_rank_correlations_are_spearman_per_sample():
    rng = np.random.default_rng(0)
    maps = [rng.random((4, 6, 6)) for _ in range(3)]
    rho, pairs = rank_correlations(maps)
    assert pairs == [(0, 1), (0, 2), (1, 2)]
    for s in range(4):
        for column, (i, j) in enumerate(pairs):
            expected = spearmanr(maps[i][s].ravel(), maps[j][s].ravel()).statistic
            assert rho[s, column] == pytest.approx(expected, abs=1e-12)
    assert rank_correlations([maps[0], maps[0]])[0] == pytest.approx(1.0)
    sparse = np.zeros((4, 6, 6))
    sparse[:, 0, :2] = [1, 2]  # mostly tied zeros, as a counterfactual's map
    rho = rank_correlations([sparse, np.zeros((4, 6, 6)), sparse[:, ::-1]])[0]
    assert rho[:, 0] == pytest.approx(0.0) and (rho[:, 1] < 0.2).all()  # not position order


def test_maps_are_averaged_down_and_the_removed_pixels_are_opaque():
    maps = np.zeros((1, 8, 8))
    maps[0, :4, :4] = 1.0
    codes = to_bytes(maps, side=2)
    assert codes.tolist() == [[[255, 0], [0, 0]]]
    kept = np.array([[True, False]])
    assert removed_overlay(kept)[..., 3].tolist() == [[0, 255]]


def test_the_explorer_holds_every_sample_and_exactly_the_kept_pixels(smoke_run):
    """Every test sample of both datasets, every method in the registry's order, and the
    per-sample files mark exactly the features the Drop rule kept (recomputed from the maps)."""
    from vxai.data.inputs import load_maps
    from vxai.metrics.faithfulness import keep_mask

    workdir, _, _ = smoke_run
    folder = workdir / "results" / "report" / "explorer"
    for dataset in ("mnist1d", "hmt"):
        data = explorer_data(folder, dataset)
        predictions = pd.read_csv(workdir / "results" / dataset / "eval" / "predictions.csv")
        assert data["samples"]["id"] == predictions["id"].tolist()
        names = [m["name"] for m in data["methods"]]
        assert sorted(names) == sorted(p.name for p in (workdir / "results" / dataset / "maps").iterdir())
        subsets = 0
        for m, method in enumerate(names):
            maps = load_maps(sorted((workdir / "results" / dataset / "maps" / method).glob("*.npz")))
            kept = keep_mask(maps["maps"], data["keepFraction"])
            table = pd.read_csv(workdir / "results" / dataset / "scores" / f"{method}.csv")
            where = maps["positions"]  # all but for a method explained on a subset
            explained = np.array([c == "1" for c in data["methods"][m]["explained"]])
            np.testing.assert_array_equal(np.flatnonzero(explained), where)
            subsets += len(where) < len(predictions)
            drops = np.array(data["scores"][method]["drop"], dtype=float)
            np.testing.assert_allclose(drops[where], table["drop"], atol=1e-6)
            assert np.isnan(drops[~explained]).all()
            for k, i in enumerate(where[[0, -1]]):
                if dataset == "mnist1d":
                    shown = np.array([c == "1" for c in data["kept"][i][m]])
                else:
                    sprite = np.asarray(Image.open(folder / dataset / f"{i}.kept.webp"))
                    side = data["fullSide"]
                    shown = sprite[m * side:(m + 1) * side, :, 3] == 0
                np.testing.assert_array_equal(shown, kept[[0, -1][k]],
                                              err_msg=f"{dataset} {method} {i}")
        assert subsets >= 1  # the smoke profile explains Extremal Perturbation on a subset


def browser():
    """A Selenium Chrome driver on the system's Chromium, or skip naming what is missing."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.skip("no Chromium and chromedriver on this machine (.ci/run installs Debian's "
                    "chromium and chromium-driver)")
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(driver))


def test_the_explorer_in_headless_chromium(smoke_run):
    """Filter, open, toggle and step through samples as a person would; the numbers on the
    page equal the tables; no console errors; screenshots of the list and of a sample are
    kept beside the explorer."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    workdir, _, _ = smoke_run
    report = workdir / "results" / "report"
    driver = browser()
    try:
        wait = WebDriverWait(driver, 30)
        driver.get((report / "explorer" / "index.html").as_uri())
        not_explained = 0
        for dataset in ("hmt", "mnist1d"):
            predictions = pd.read_csv(report.parent / dataset / "eval" / "predictions.csv")
            driver.find_element(By.CSS_SELECTOR, f"button[data-dataset={dataset}]").click()
            label = int(predictions["label"].mode()[0])
            Select(driver.find_element(By.ID, "true-class")).select_by_value(str(label))
            count = driver.find_element(By.ID, "count")
            assert int(count.get_attribute("data-count")) == (predictions["label"] == label).sum()
            assert count.text.startswith(f"{(predictions['label'] == label).sum()} of {len(predictions)}")
            rows = driver.find_elements(By.CSS_SELECTOR, "#rows tr")
            assert {int(predictions["label"][int(r.get_attribute("data-index"))]) for r in rows} == {label}
            if dataset == "hmt":
                driver.save_screenshot(str(report / "explorer-list.png"))
            rows[0].click()
            first = int(rows[0].get_attribute("data-index"))
            wait.until(lambda d: d.find_element(By.ID, "view").get_attribute("data-ready") == str(first))
            cards = driver.find_elements(By.CSS_SELECTOR, "#cards [data-method]")
            assert len(cards) == len(list((report.parent / dataset / "maps").iterdir()))
            for card in cards:
                method = card.get_attribute("data-method")
                table = pd.read_csv(report.parent / dataset / "scores" / f"{method}.csv")
                drop = table.set_index("id")["drop"].get(predictions["id"][first])
                text = card.find_element(By.CSS_SELECTOR, "dd.drop").text
                if drop is None:  # explain: samples left this sample out of the method's
                    assert card.find_element(By.CSS_SELECTOR, ".not-explained").text.startswith(
                        "not explained"), method
                    assert text == "–", method
                    continue
                shown = float(card.find_element(By.CSS_SELECTOR, "dd.drop").get_attribute("data-value"))
                assert shown == pytest.approx(drop, abs=1e-6), method
                assert text == f"{100 * drop:.2f} %", method
            if dataset == "hmt":
                driver.find_element(By.ID, "kept").click()
                assert driver.find_element(By.ID, "kept").is_selected()
                driver.save_screenshot(str(report / "explorer-sample.png"))
            body = driver.find_element(By.TAG_NAME, "body")
            if len(rows) > 1:
                second = int(rows[1].get_attribute("data-index"))
                body.send_keys(Keys.ARROW_RIGHT)
                wait.until(lambda d: d.find_element(By.ID, "view").get_attribute("data-ready") == str(second))
                not_explained += len(driver.find_elements(By.CSS_SELECTOR, ".not-explained"))
                body.send_keys(Keys.ARROW_LEFT)
                wait.until(lambda d: d.find_element(By.ID, "view").get_attribute("data-ready") == str(first))
            # the most disagreeing pair of maps first
            Select(driver.find_element(By.ID, "true-class")).select_by_value("all")
            Select(driver.find_element(By.ID, "sort")).select_by_value("disagreement")
            texts = [r.find_elements(By.TAG_NAME, "td")[-1].text
                     for r in driver.find_elements(By.CSS_SELECTOR, "#rows tr")]
            values = [float(t) for t in texts if t != "–"]  # pairs without both maps last
            assert values == sorted(values) and len(texts) == len(predictions)
            assert texts[len(values):] == ["–"] * (len(texts) - len(values))
            Select(driver.find_element(By.ID, "sort")).select_by_value("order")
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
        assert not_explained  # a card of a method explained on a subset (explain: samples)
    finally:
        driver.quit()
    for name in ("explorer-list.png", "explorer-sample.png"):
        assert (report / name).stat().st_size > 10_000


def test_maps_are_coloured_in_evenly_spaced_levels_from_end_to_end():
    from vxai.explorer import colormap, coloured

    table = colormap()
    codes = np.arange(256, dtype=np.uint8)
    shown = coloured(codes, levels=64)
    assert (shown[0] == table[0]).all() and (shown[255] == table[255]).all()
    levels = table[np.round(np.arange(64) * 255 / 63).astype(int)]
    assert {tuple(c) for c in shown} == {tuple(c) for c in levels}
    assert (coloured(codes, levels=256) == table).all()
