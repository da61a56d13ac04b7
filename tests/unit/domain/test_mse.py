"""The mental status exam is listed once (models.MSE); everything else reads it."""

from dataclasses import fields

from tui.domain.models import MSE, MSE_FIELDS, MSE_WNL, MentalStatus


def test_one_list_drives_fields_labels_and_wnl():
    keys = tuple(key for key, _, _ in MSE)
    assert tuple(f.name for f in fields(MentalStatus)) == keys
    assert tuple(k for k, _ in MSE_FIELDS) == keys == tuple(MSE_WNL)
    assert [label for label, _ in MentalStatus.within_normal_limits().items()] == [label for _, label, _ in MSE]
