"""Quiz and explain step fields: the answer must be one of the choices, said at its own line:col."""

from __future__ import annotations

import pytest

from animator.model import SceneLoadError, load_scene_text
from tests.model.conftest import SMALL

QUIZ = """\
    explain: "**Why** it matters"
    quiz:
      question: Who answers?
      choices: [a, b, nobody]
      answer: {answer}
"""


def scene_with(answer: str, choices: str = "[a, b, nobody]") -> str:
    quiz = QUIZ.replace("{answer}", answer).replace("[a, b, nobody]", choices)
    return SMALL.replace("  - caption: a greets b\n", "  - caption: a greets b\n" + quiz)


def test_quiz_and_explain_load_and_answer_resolves_by_text_or_position() -> None:
    step = load_scene_text(scene_with("b")).steps[0]
    assert step.explain == "**Why** it matters"
    assert step.quiz is not None and step.quiz.correct_index() == 1
    assert load_scene_text(scene_with("3")).steps[0].quiz.correct_index() == 2  # type: ignore[union-attr]
    # A choice's text wins over a position: "2" here is the choice "2", the first one.
    assert load_scene_text(scene_with("2", "['2', '1']")).steps[0].quiz.correct_index() == 0  # type: ignore[union-attr]


def error_of(text: str) -> str:
    with pytest.raises(SceneLoadError) as caught:
        load_scene_text(text, "s.yaml")
    return str(caught.value.errors[0])


def test_answer_not_among_choices_points_at_the_answer_with_a_suggestion() -> None:
    assert error_of(scene_with("nobdy")) == (
        "s.yaml:14:15: step 1 quiz: answer 'nobdy' is not one of the choices (did you mean 'nobody'?); "
        "give a choice's text or its position, 1 to 3"
    )


def test_position_out_of_range_is_an_error() -> None:
    assert "s.yaml:14:15: step 1 quiz: answer '4' is not one of the choices" in error_of(scene_with("4"))


@pytest.mark.parametrize(("choices", "count"), [("[a]", 1), ("[a, b, c, d, e, f, g]", 7)])
def test_two_to_six_choices(choices: str, count: int) -> None:
    assert f"s.yaml:13:16: step 1 quiz: {count} choice" in error_of(scene_with("a", choices))
    assert "a quiz needs 2 to 6" in error_of(scene_with("a", choices))


def test_duplicate_choice_is_pointed_at() -> None:
    assert error_of(scene_with("a", "[a, b, a]")).startswith("s.yaml:13:23: step 1 quiz: choice 'a' is given twice")


def test_unknown_quiz_key_gets_did_you_mean() -> None:
    text = scene_with("a").replace("question:", "questoin:")
    assert "unknown key 'questoin' (did you mean 'question'?)" in error_of(text)
