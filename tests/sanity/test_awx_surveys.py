"""The AWX survey specs in docs/awx/ are valid survey JSON, and every variable they set is one their playbook reads."""

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
CONNECTION = {"aws_region", "aws_profile", "aws_endpoint_url"}


def playbook_variables(name):
    """Extra vars a playbook reads: the flag maps it uses, plus every bare variable its text names."""
    text = (ROOT / "playbooks" / f"{name}.yml").read_text()
    known = set(CONNECTION)
    if name == "activate":
        known |= set(
            yaml.safe_load((ROOT / "playbooks" / "vars" / "activate_flags.yml").read_text())["activate_flag_vars"]
        )
    if name == "connectivity_test":
        [play] = yaml.safe_load(text)
        known |= set(play["vars"]["connectivity_test_vars"]) | {"destinations", "destinations_file"}
    known |= set(re.findall(r"\{\{\s*([a-z_]+)\s*\|\s*default", text))
    return known


@pytest.mark.parametrize("name", ["activate", "deactivate", "connectivity_test"])
def test_survey_spec_is_valid_and_matches_its_playbook(name):
    survey = json.loads((ROOT / "docs" / "awx" / f"{name}.survey.json").read_text())
    assert survey["name"] and survey["description"] and survey["spec"]
    variables = [q["variable"] for q in survey["spec"]]
    assert len(variables) == len(set(variables)), variables
    assert set(variables) <= playbook_variables(name), set(variables) - playbook_variables(name)
    for question in survey["spec"]:
        assert question["question_name"] and question["type"] in TYPES, question
        assert isinstance(question["required"], bool), question
        if question["type"] in ("multiplechoice", "multiselect"):
            choices = question["choices"].split("\n")
            assert str(question["default"]) in choices, question
        if question["type"] == "integer":
            assert question["min"] <= question["default"] <= question["max"], question
