"""The path-shape, immobility and wall measures in the study: their units in the workbook's headers."""

from openfield.extra_measures import BIN_MEASURES, SUMMARY_COLUMNS
from openfield.study.workbook import unit


def test_units_of_the_new_measures():
    units = {c: unit(c) for c in SUMMARY_COLUMNS}
    assert units == {
        "rotations_cw": "", "rotations_ccw": "", "mean_turn_angle_deg": "°",
        "mean_angular_velocity_deg_s": "°/s", "meander_deg_cm": "°/cm", "time_immobile_s": "s",
        "immobility_bouts": "", "latency_immobile_s": "s", "time_immobile_center_s": "s",
        "time_immobile_border_s": "s", "time_mobile_s": "s", "time_highly_mobile_s": "s",
        "time_immobile_outline_s": "s", "mean_wall_distance_cm": "cm", "thigmotaxis_fraction": "",
    }
    assert set(BIN_MEASURES) <= set(SUMMARY_COLUMNS)
