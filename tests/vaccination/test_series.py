"""dose_series: each dose's dn/sd as the eHealth Network's guidance on booster doses
encodes them."""

import pytest

from vaccination.vaccines import DoseFacts, dose_series, latest_series, series_label


def labels(*doses: DoseFacts) -> list[str]:
    return [series_label(dose) for dose in dose_series(list(doses))]


PFIZER, MODERNA, ASTRAZENECA = DoseFacts("pfizer"), DoseFacts("moderna"), DoseFacts("astrazeneca")
JANSSEN, ABDALA = DoseFacts("janssen"), DoseFacts("abdala")


def test_a_two_dose_vaccine_is_1_of_2_then_2_of_2_then_boosters_3_of_3_and_4_of_4():
    assert labels(PFIZER) == ["1/2"]
    assert labels(PFIZER, PFIZER, PFIZER, PFIZER) == ["1/2", "2/2", "3/3", "4/4"]


def test_janssen_is_1_of_1_and_its_boosters_keep_sd_1():
    assert labels(JANSSEN) == ["1/1"]
    assert labels(JANSSEN, PFIZER, MODERNA) == ["1/1", "2/1", "3/1"]


def test_a_first_dose_after_recovery_is_1_of_1_and_the_next_a_booster_2_of_1():
    recovered = DoseFacts("pfizer", after_recovery=True)

    assert labels(recovered) == ["1/1"]
    assert labels(recovered, PFIZER, PFIZER) == ["1/1", "2/1", "3/1"]


def test_a_dose_after_recovery_midway_completes_the_primary_series():
    assert labels(ASTRAZENECA, DoseFacts("pfizer", after_recovery=True), PFIZER) == [
        "1/2",
        "2/2",
        "3/3",
    ]


def test_mixed_vaccines_count_against_the_first_vaccines_schedule():
    assert labels(ASTRAZENECA, PFIZER, MODERNA) == ["1/2", "2/2", "3/3"]


def test_a_three_dose_primary_series_is_n_of_3_then_4_of_4():
    assert labels(ABDALA, ABDALA, ABDALA, ABDALA) == ["1/3", "2/3", "3/3", "4/4"]


@pytest.mark.parametrize(
    ("doses", "completing", "boosters"),
    [
        ((PFIZER, PFIZER, PFIZER), [False, True, False], [False, False, True]),
        ((JANSSEN, PFIZER), [True, False], [False, True]),
        ((DoseFacts("pfizer", after_recovery=True), PFIZER), [True, False], [False, True]),
    ],
)
def test_the_dose_that_completes_the_primary_series_and_the_boosters_are_marked(
    doses, completing, boosters
):
    series = dose_series(list(doses))

    assert [dose.completes_primary for dose in series] == completing
    assert [dose.booster for dose in series] == boosters


def test_no_dose_no_series_and_the_latest_is_the_last():
    assert dose_series([]) == [] and latest_series([]) is None
    assert series_label(latest_series([PFIZER, PFIZER, PFIZER])) == "3/3"
