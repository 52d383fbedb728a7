"""Template localization scores on hand-made maps with known answers."""

import numpy as np
import pytest

from vxai.metrics.localization import localization_scores


def test_known_answers():
    support = np.array([[0, 0, 1, 1, 0, 0.0], [0, 0, 1, 1, 0, 0.0], [0.6, 0.4, 0, 0, 0, 0]])
    maps = np.array([
        [0, 0, 3, 1, 0, 0.0],     # on the template: hit, all mass, top-2 = template
        [5, 0, 1, 1, -2, 0.0],    # max off the template; mass 2/7; top-2 = {0, 2}: IoU 1/3
        [0, 0, 0, 0, 0, 0.0],     # all-zero map: argmax 0 is on the template, no mass
    ])
    scores = localization_scores(maps, support)
    assert scores["pointing_game"].tolist() == [1, 0, 1]
    assert scores["relevance_mass"][:2] == pytest.approx([1.0, 2 / 7])  # float64 ratios of sums
    assert np.isnan(scores["relevance_mass"][2])
    assert scores["template_iou"][:2] == pytest.approx([1.0, 1 / 3])
    assert scores["template_iou"][2] == pytest.approx(1.0)  # top-1 of a flat map is point 0
