"""The write-up's steps. Each pane is given its part of the draft when built,
posts ``StepPane.Edited`` when anything in it changes, and writes its values
back into a draft with ``apply``. User text is always shown as plain Text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, OptionList, SelectionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from ..domain import session_billing
from ..domain.billing import PLACES_OF_SERVICE, BillingError, telehealth_modifier
from ..domain.lint import Finding
from ..domain.measures import (
    CUSTOM_PREFIX, CustomScale, MeasureError, MeasureScore, change_since, entry_text, parse_score,
)
from ..domain.models import (
    GOAL_STATUSES, MODALITIES, MSE_FIELDS, MSE_WNL, RISK_LEVELS, RISK_STATUSES, SAFETY_PLAN_STATES, SETTINGS,
    TELEHEALTH_KINDS, GoalProgress, MentalStatus, NoteDraft, ObjectiveProgress, Plan, RiskStatement, SessionFacts,
)
from ..domain.session_facts import end_time_for, parse_clock
from ..domain.session_facts import problems as fact_problems
from ..domain.shorthand import Jotting
from ..domain.templates import OfferedJotting, SectionSpec
from .choice import ChoiceField


class StepPane(VerticalScroll):
    """One step of the write-up."""

    step_id = ""
    title = ""

    class Edited(Message):
        def __init__(self, pane: "StepPane") -> None:
            super().__init__()
            self.pane = pane

    def apply(self, draft: NoteDraft) -> None:
        raise NotImplementedError

    def _edited(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Edited(self))

    on_input_changed = _edited
    on_text_area_changed = _edited
    on_choice_field_changed = _edited
    on_selection_list_selected_changed = _edited


def _row(label: str, widget) -> Horizontal:  # noqa: ANN001
    return Horizontal(Label(label, classes="field-label"), widget, classes="field-row")


def _input(value: str = "", **kwargs) -> Input:  # noqa: ANN003
    """A write-up field. Focusing it never selects its text, so the next key typed adds to
    the value instead of replacing it (a tab into a filled detail wiped it; a burst of keys
    typed while the write-up opened replaced the date with "5"). The cursor goes to the end."""
    field = Input(value, select_on_focus=False, compact=True, **kwargs)
    return field


class CombinedStep(StepPane):
    """One step showing several parts (a template section and the structured parts that
    belong beside it). Each part posts its own ``Edited`` and applies its own values."""

    DEFAULT_CSS = """
    CombinedStep > StepPane { height: auto; overflow-y: hidden; margin-bottom: 1; }
    CombinedStep > SectionPane .section-body { height: 12; min-height: 8; }
    CombinedStep > .part-heading { text-style: bold; margin-top: 1; }
    """

    def __init__(self, step_id: str, title: str, parts: list[StepPane]) -> None:
        super().__init__(id=f"combined-{step_id}")  # its parts keep their own "step-…" ids
        self.step_id = step_id
        self.title = title
        self.parts = parts

    def compose(self) -> ComposeResult:
        yield from self.parts

    def apply(self, draft: NoteDraft) -> None:
        for part in self.parts:
            part.apply(draft)

    def part(self, kind: type) -> "StepPane | None":
        """The part of this kind holding the focus, else the first of that kind."""
        focused = self.screen.focused if self.is_mounted else None
        matching = [p for p in self.parts if isinstance(p, kind)]
        for candidate in matching:
            if focused is not None and (focused is candidate or candidate in focused.ancestors):
                return candidate
        return matching[0] if matching else None


def step_part(pane: "StepPane | None", kind: type) -> "StepPane | None":
    """The pane itself when it is of ``kind``, or its part of that kind."""
    if isinstance(pane, kind):
        return pane
    if isinstance(pane, CombinedStep):
        return pane.part(kind)
    return None


# -- 1. session facts ----------------------------------------------------------------
class FactsPane(StepPane):
    step_id = "facts"
    title = "Session facts"

    def __init__(self, facts: SessionFacts, template_keys: dict[str, str]) -> None:
        super().__init__(id="step-facts")
        # A draft saved before the billing facts: place of service and telehealth from its setting.
        self.facts = session_billing.prefill(facts)
        self.template_keys = template_keys

    def compose(self) -> ComposeResult:
        f = self.facts
        yield Static("Check the facts; they come from the session timer.", classes="step-prompt")
        yield _row("Date", _input(f.date, id="fact-date", placeholder="YYYY-MM-DD"))
        yield _row("Start", _input(f.start_time, id="fact-start", placeholder="HH:MM"))
        yield _row("Duration (min)", _input(str(f.duration_min), id="fact-duration", type="integer"))
        yield _row("End", _input(f.end_time or end_time_for(f.start_time, f.duration_min), id="fact-end",
                                 placeholder="HH:MM"))
        yield ChoiceField("Modality", MODALITIES, f.modality, id="fact-modality")
        yield ChoiceField("Family", ("with", "without"), "with" if f.client_present else "without",
                          labels={"with": "with the client", "without": "without the client"}, id="fact-family")
        yield ChoiceField("Setting", SETTINGS, f.setting, id="fact-setting")
        places = list(PLACES_OF_SERVICE)
        if f.place_of_service not in places:  # a code typed elsewhere: shown, never lost
            places.append(f.place_of_service)
        yield ChoiceField("Place of service", places, f.place_of_service, id="fact-pos",
                          labels={code: session_billing.place_text(SessionFacts(place_of_service=code))
                                  for code in places})
        yield ChoiceField("Telehealth", TELEHEALTH_KINDS, f.telehealth, id="fact-telehealth")
        yield _row("Client located", _input(f.client_location, id="fact-location",
                                            placeholder="where the client is, e.g. home, Ohio"))
        yield ChoiceField("Interactive complexity", ("no", "yes"), "yes" if f.interactive_complexity else "no",
                          labels={"no": "no", "yes": "yes (+90785)"}, id="fact-complexity")
        yield ChoiceField("Template", list(self.template_keys), f.template_key, labels=self.template_keys,
                          id="fact-template")
        # After the template picker, so the keys to reach it stay as they were.
        yield ChoiceField("Crisis", ("no", "yes"), "yes" if f.crisis else "no",
                          labels={"no": "no", "yes": "yes: psychotherapy for crisis (90839, +90840)"},
                          id="fact-crisis")
        yield _row("CPT code", _input(f.cpt_code, id="fact-cpt", max_length=8))
        yield Static("", id="fact-problems", classes="review-errors")
        yield Static("", id="fact-hint", classes="step-hint")

    def on_mount(self) -> None:
        self._show_relevant()
        self._suggest(follow=False)
        self._check()

    def _modifiers(self) -> dict[str, str]:
        """The payer's telehealth modifiers from config ([billing]; CMS's when none)."""
        config = getattr(self.app, "config", None)
        return dict(getattr(config, "telehealth_modifiers", None) or {})

    def _modifier(self, kind: str) -> str:
        if kind not in ("video", "audio-only"):
            return ""
        try:
            return telehealth_modifier(kind, self._modifiers())
        except BillingError:
            return telehealth_modifier(kind)

    def _current(self) -> SessionFacts:
        """The facts as the fields now read them."""
        telehealth = self.query_one("#fact-telehealth", ChoiceField).value
        return replace(
            self.facts,
            date=self.query_one("#fact-date", Input).value.strip(),
            start_time=self.query_one("#fact-start", Input).value.strip(),
            duration_min=self._duration(),
            end_time=self.query_one("#fact-end", Input).value.strip(),
            modality=self.query_one("#fact-modality", ChoiceField).value,
            setting=self.query_one("#fact-setting", ChoiceField).value,
            place_of_service=self.query_one("#fact-pos", ChoiceField).value,
            telehealth=telehealth,
            client_location=self.query_one("#fact-location", Input).value.strip(),
            interactive_complexity=self.query_one("#fact-complexity", ChoiceField).value == "yes",
            client_present=self.query_one("#fact-family", ChoiceField).value == "with",
            crisis=self.query_one("#fact-crisis", ChoiceField).value == "yes",
            cpt_modifier=self._modifier(telehealth),
            cpt_code=self.query_one("#fact-cpt", Input).value.strip(),
            template_key=self.query_one("#fact-template", ChoiceField).value,
        )

    def _check(self) -> None:
        """Impossible facts are said here at once, not only at Review."""
        facts = self._current()
        found = fact_problems(facts) + session_billing.problems(facts)
        self.query_one("#fact-problems", Static).update(Text("\n".join(f"✗ {p}" for p in found)))

    def _show_relevant(self) -> None:
        """Family with/without the client only for a family or couple session; the client's
        location only for telehealth; crisis not for a group (unless marked: then it is said)."""
        self.query_one("#fact-family", ChoiceField).display = (
            self.query_one("#fact-modality", ChoiceField).value in ("family", "couple"))
        self.query_one("#fact-location", Input).parent.display = (  # type: ignore[union-attr]
            self.query_one("#fact-telehealth", ChoiceField).value != "none")
        crisis = self.query_one("#fact-crisis", ChoiceField)  # no crisis codes for a group
        crisis.display = self.query_one("#fact-modality", ChoiceField).value != "group" or crisis.value == "yes"

    def _follow_end(self, changed: str) -> None:
        """End follows start + duration; typing an end sets the duration."""
        start = self.query_one("#fact-start", Input).value.strip()
        end = self.query_one("#fact-end", Input)
        if changed == "fact-end":
            a, b = parse_clock(start), parse_clock(end.value)
            if a and b:
                minutes = (b[0] * 60 + b[1] - a[0] * 60 - a[1]) % (24 * 60)
                duration = self.query_one("#fact-duration", Input)
                if minutes and str(minutes) != duration.value:
                    with duration.prevent(Input.Changed):
                        duration.value = str(minutes)
                    self._suggest()
        else:
            derived = end_time_for(start, self._duration())
            if derived and derived != end.value:
                with end.prevent(Input.Changed):
                    end.value = derived

    def _duration(self) -> int:
        try:
            return max(0, int(self.query_one("#fact-duration", Input).value or 0))
        except ValueError:
            return 0

    def _suggest(self, follow: bool = True) -> None:
        """Show the CPT lines the facts call for (with the payer's modifier); the code field
        follows the primary code until overridden by hand."""
        facts = self._current()
        try:
            primary = session_billing.suggestion(facts).primary
        except BillingError:
            primary = None
        cpt = self.query_one("#fact-cpt", Input)
        if follow and primary and (not cpt.value or cpt.value == self.facts.cpt_code):
            cpt.value = primary
            self.facts = replace(self.facts, cpt_code=primary)
        self.query_one("#fact-hint", Static).update(Text(
            f"Session number {self.facts.session_number}. Suggested CPT: "
            f"{session_billing.suggestion_text(facts, self._modifiers())}."
        ))

    def _follow_setting(self, changed: str) -> None:
        """Setting, place and telehealth kind kept in step: telehealth is POS 10 (or 02) and
        video (or audio-only); in person POS 11 (or another) and not telehealth."""
        pos = self.query_one("#fact-pos", ChoiceField)
        kind = self.query_one("#fact-telehealth", ChoiceField)
        place = PLACES_OF_SERVICE.get(pos.value)
        if changed == "fact-setting":
            remote = self.query_one("#fact-setting", ChoiceField).value == "telehealth"
            if place is None or place.telehealth != remote:
                pos.value = "10" if remote else "11"
            if (kind.value != "none") != remote:
                kind.value = "video" if remote else "none"
        elif changed == "fact-telehealth" and place is not None and place.telehealth != (kind.value != "none"):
            pos.value = "10" if kind.value != "none" else "11"
        elif changed == "fact-pos" and place is not None and place.telehealth != (kind.value != "none"):
            kind.value = "video" if place.telehealth else "none"

    def on_choice_field_changed(self, event: ChoiceField.Changed) -> None:
        if self.is_mounted:
            self._follow_setting(event.choice.id or "")
            self._show_relevant()
            self._suggest()
            self._check()
        self._edited(event)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "fact-duration" and self.is_mounted:
            self._suggest()
        if event.input.id in ("fact-start", "fact-duration", "fact-end") and self.is_mounted:
            self._follow_end(event.input.id or "")
        if event.input.id == "fact-location" and self.is_mounted:
            self._suggest(follow=False)
        if self.is_mounted:
            self._check()
        self._edited(event)

    def apply(self, draft: NoteDraft) -> None:
        current = self._current()
        draft.facts = replace(draft.facts, **{name: getattr(current, name) for name in (
            "date", "start_time", "duration_min", "end_time", "modality", "setting", "cpt_code", "template_key",
            "place_of_service", "telehealth", "client_location", "interactive_complexity", "client_present",
            "cpt_modifier", "crisis")})


# -- 2. template sections ------------------------------------------------------------
class JottingPicker(OptionList):
    """The session's jottings; those that feed this section first and marked ◆."""

    DEFAULT_CSS = """
    JottingPicker { width: 2fr; height: 1fr; border: none; background: $surface; }
    """


class SectionPane(StepPane):
    def __init__(self, spec: SectionSpec, offered: list[OfferedJotting], text: str,
                 carry: Callable[[Jotting], str]) -> None:
        super().__init__(id=f"step-{spec.part}-{spec.key}")
        self.spec = spec
        self.step_id = f"{spec.part}:{spec.key}"
        self.title = spec.title
        self.offered = offered
        self.text = text
        self.carry = carry
        self.carried: set[int] = set()

    def _option(self, index: int, offered: OfferedJotting) -> Option:
        jot = offered.jotting
        if not offered.carryable:
            return Option(Text(f"  {jot.text}  (private: stays in the vault)", style="dim italic"),
                          id=str(index), disabled=True)
        mark = "✓ " if index in self.carried else ("◆ " if offered.feeds else "  ")
        return Option(Text(mark + jot.text, style="" if offered.feeds else "dim"), id=str(index))

    def compose(self) -> ComposeResult:
        required = " (required)" if self.spec.required else ""
        yield Static(Text(f"{self.title}{required}: {self.spec.prompt}"), classes="step-prompt")
        with Horizontal(classes="section-body"):
            picker = JottingPicker(*[self._option(i, o) for i, o in enumerate(self.offered)], id="picker")
            yield picker
            yield TextArea(self.text, id="section-text", soft_wrap=True, classes="section-editor")
        yield Static(Text("Enter carries the highlighted jotting (abbreviations expanded); f4 carries every ◆. "
                          "Type freely in the box on the right."), classes="step-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option.id or 0)
        self._carry(index)

    def _carry(self, index: int) -> None:
        offered = self.offered[index]
        if not offered.carryable:
            return
        editor = self.query_one("#section-text", TextArea)
        piece = self.carry(offered.jotting)
        editor.insert(("\n" if editor.text.strip() else "") + piece, editor.document.end)
        self.carried.add(index)
        picker = self.query_one(JottingPicker)
        picker.replace_option_prompt_at_index(index, self._option(index, offered).prompt)

    def carry_all(self) -> None:
        for index, offered in enumerate(self.offered):
            if offered.feeds and offered.carryable and index not in self.carried:
                self._carry(index)

    def apply(self, draft: NoteDraft) -> None:
        text = self.query_one("#section-text", TextArea).text
        target = draft.group_part if self.spec.part == "group" else draft.sections
        target[self.spec.key] = text


# -- 3. presentation (mental status) --------------------------------------------------
class MentalStatusPane(StepPane):
    step_id = "presentation"
    title = "Presentation"

    def __init__(self, status: MentalStatus) -> None:
        super().__init__(id="step-presentation")
        self.status = status

    def compose(self) -> ComposeResult:
        yield Static("Mental status. f2 fills the focused line with 'within normal limits'; "
                     "f3 fills every blank line.", classes="step-prompt")
        for key, label in MSE_FIELDS:
            # The placeholder must not read like a finding: blank means not documented.
            yield _row(label, _input(getattr(self.status, key), id=f"mse-{key}", placeholder="— (f2: WNL)"))

    def quick_fill(self) -> None:
        focused = self.screen.focused
        if isinstance(focused, Input) and focused.id and focused.id.startswith("mse-"):
            focused.value = MSE_WNL[focused.id[4:]]

    def fill_blank(self) -> None:
        typed = MentalStatus(**{k: self.query_one(f"#mse-{k}", Input).value for k, _ in MSE_FIELDS})
        filled = typed.fill_blanks_wnl()  # the one rule: WNL text only where nothing was typed
        for key, _ in MSE_FIELDS:
            self.query_one(f"#mse-{key}", Input).value = getattr(filled, key)

    def apply(self, draft: NoteDraft) -> None:
        draft.mental_status = MentalStatus(**{k: self.query_one(f"#mse-{k}", Input).value.strip() for k, _ in MSE_FIELDS})


# -- 4. interventions ----------------------------------------------------------------
class InterventionsPane(StepPane):
    step_id = "interventions"
    title = "Interventions"

    def __init__(self, chosen: list[str], pick_list: list[str]) -> None:
        super().__init__(id="step-interventions")
        self.chosen = chosen
        self.pick_list = [*chosen, *[p for p in pick_list if p not in chosen]]

    def compose(self) -> ComposeResult:
        yield Static("Space ticks an intervention; type another below and press Enter to add it.", classes="step-prompt")
        yield SelectionList[str](*[Selection(Text(p), p, p in self.chosen) for p in self.pick_list], id="interventions")
        yield _input(id="intervention-other", placeholder="Other intervention")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        picks = self.query_one("#interventions", SelectionList)
        if text not in self.pick_list:
            self.pick_list.append(text)
            picks.add_option(Selection(Text(text), text, True))
        else:
            picks.select(text)
        event.input.value = ""

    def apply(self, draft: NoteDraft) -> None:
        selected = set(self.query_one("#interventions", SelectionList).selected)
        draft.interventions = [p for p in self.pick_list if p in selected]
        # Each objective offers today's interventions: keep the Goals step's lists in step, and
        # drop a link to an intervention no longer used today.
        draft.objectives = [replace(o, interventions=[i for i in o.interventions if i in draft.interventions])
                            for o in draft.objectives]
        if self.is_mounted:
            for goals in self.screen.query(GoalsPane):
                goals.sync_interventions(list(draft.interventions))


# -- 5. measures -----------------------------------------------------------------------
# The measures a note records, in the order the step shows them: (key, label, what to type).
MEASURE_ROWS = (
    ("phq9", "PHQ-9", "total or 9 items 0-3"),
    ("gad7", "GAD-7", "total or 7 items 0-3"),
    ("pcl5", "PCL-5", "total or 20 items 0-4"),
    ("cssrs", "C-SSRS", "q1-q6 y/n (- not asked); q6 yes: recent y/n"),
)


def _measure_id(instrument: str) -> str:
    """A row's widget id: "measure-phq9", a custom scale's "measure-custom-sleep"."""
    return "measure-" + instrument.replace(":", "-")


def _custom_hint(scale: CustomScale) -> str:
    reverse = f", reverse {' '.join(map(str, scale.reverse_items))}" if scale.reverse_items else ""
    return f"total or {scale.item_count} items {scale.item_min}-{scale.item_max}{reverse}"


class MeasuresPane(StepPane):
    step_id = "measures"
    title = "Measures"

    def __init__(self, measures: list[MeasureScore], previous: dict[str, MeasureScore],
                 scales: "Mapping[str, CustomScale] | None" = None) -> None:
        super().__init__(id="step-measures")
        self.initial = {m.instrument: m for m in measures}
        self.previous = previous
        self.problems: dict[str, str] = {}
        # Custom scales: a row each for the config's ([measures.custom.KEY]), scored by its
        # current rules (the draft is not signed yet), and for a draft's score of a scale no
        # longer configured, by the rules it was scored with.
        self.custom: dict[str, CustomScale] = {CUSTOM_PREFIX + key: scale for key, scale in (scales or {}).items()}
        for m in measures:
            if m.scale is not None and m.instrument not in self.custom:
                self.custom[m.instrument] = m.scale
        self.rows = list(MEASURE_ROWS) + [(instrument, scale.name, _custom_hint(scale))
                                          for instrument, scale in self.custom.items()]
        # A score this step has no row for (none today) is kept as it was, never dropped.
        self.kept = [m for m in measures if m.instrument not in {key for key, _, _ in self.rows}]

    def compose(self) -> ComposeResult:
        yield Static("Type a total (phq9 11) or the item scores (1 2 1 0 3 1 0 2 1); the C-SSRS as answers "
                     "(y n - - - n). Leave blank if not given.", classes="step-prompt")
        for instrument, label, hint in self.rows:
            score = self.initial.get(instrument)
            yield _row(label, _input(entry_text(score) if score else "", id=_measure_id(instrument), placeholder=hint))
            yield Static("", id=f"{_measure_id(instrument)}-result", classes="step-hint")

    def on_mount(self) -> None:
        self._show()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show()
        self._edited(event)

    def _scores(self) -> dict[str, MeasureScore]:
        scores: dict[str, MeasureScore] = {}
        self.problems = {}
        for instrument, _label, _hint in self.rows:
            text = self.query_one(f"#{_measure_id(instrument)}", Input).value
            try:
                if instrument in self.custom:
                    found = self.custom[instrument].parse(text)
                    score = found.as_measure() if found is not None else None
                else:
                    score = parse_score(instrument, text)
            except MeasureError as exc:
                self.problems[instrument] = str(exc)
                continue
            if score is None and text.strip() == "" and instrument in self.initial and not entry_text(self.initial[instrument]):
                score = self.initial[instrument]  # a stored C-SSRS level without answers: kept as it was
            if score is not None:
                scores[instrument] = score
        return scores

    def _show(self) -> None:
        scores = self._scores()
        for instrument, _label, _hint in self.rows:
            result = self.query_one(f"#{_measure_id(instrument)}-result", Static)
            if instrument in self.problems:
                result.update(Text(f"Not accepted: {self.problems[instrument]}", style="bold"))
            elif instrument in scores:
                score = scores[instrument]
                shown = score.describe() if instrument == "cssrs" else f"{score.total} ({score.band})"
                line = f"{shown}; {change_since(self.previous.get(instrument), score)}"
                if score.risk_flag:
                    line += f"; {score.risk_flag_text()}: address it in the risk step"
                result.update(Text(line))
            else:
                result.update("")

    def apply(self, draft: NoteDraft) -> None:
        draft.measures = list(self._scores().values()) + self.kept


# -- 6. risk ---------------------------------------------------------------------------
class RiskPane(StepPane):
    step_id = "risk"
    title = "Risk"

    def __init__(self, risk: RiskStatement, risk_lines: list[str] | None = None) -> None:
        super().__init__(id="step-risk")
        self.risk = risk
        self.risk_lines = list(risk_lines or [])

    def compose(self) -> ComposeResult:
        r = self.risk
        yield Static("An explicit risk statement, even when negative. f2: denies SI, HI and self-harm, risk low.",
                     classes="step-prompt")
        if self.risk_lines:
            # Every ! line of the session, so nothing said about risk is missed here.
            yield Static(Text("Jotted about risk:\n" + "\n".join(f"  {line}" for line in self.risk_lines)),
                         id="risk-jottings", classes="risk-jottings")
        for key, label, short in (("si", "Suicidal ideation", "SI"), ("hi", "Homicidal ideation", "HI"),
                                  ("self_harm", "Self-harm", "Self-harm")):
            yield ChoiceField(label, RISK_STATUSES, getattr(r, key), id=f"risk-{key}")
            yield _row(f"{short} detail", _input(getattr(r, f"{key}_detail"), id=f"risk-{key}-detail",
                                                 placeholder="detail, or why not assessed"))
        yield ChoiceField("Risk level", RISK_LEVELS, r.level, labels={"": "not stated"}, id="risk-level")
        yield _row("Protective factors", _input(r.protective_factors, id="risk-protective"))
        # A choice, not a checkbox: Textual's checkbox shows an X even when unticked.
        yield ChoiceField("Safety plan", SAFETY_PLAN_STATES, r.safety_plan, labels={"": "not stated"},
                          id="risk-safety-plan")
        yield Static("", id="risk-hint", classes="step-hint")

    def quick_fill(self) -> None:
        for key in ("si", "hi", "self_harm"):
            self.query_one(f"#risk-{key}", ChoiceField).value = "denied"
        self.query_one("#risk-level", ChoiceField).value = "low"

    def first_unanswered(self):  # noqa: ANN201
        """The first control the risk rule still needs (an area not addressed, the level, and with
        SI the protective factors and the safety plan), so the step opens on it; None when done."""
        areas = [key for key in ("si", "hi", "self_harm")
                 if self.query_one(f"#risk-{key}", ChoiceField).value == "not assessed"
                 and not self.query_one(f"#risk-{key}-detail", Input).value.strip()]
        if areas and len(areas) < 3:  # something was stated: the rest needs an answer
            return self.query_one(f"#risk-{areas[0]}", ChoiceField)
        level = self.query_one("#risk-level", ChoiceField)
        if not level.value and len(areas) < 3:
            return level
        if self.query_one("#risk-si", ChoiceField).value == "endorsed":
            protective = self.query_one("#risk-protective", Input)
            if not protective.value.strip():
                return protective
            plan = self.query_one("#risk-safety-plan", ChoiceField)
            if not plan.value:
                return plan
        return None

    def show_score_flags(self, flags: list[str]) -> None:
        """The scores that make the SI detail required ("PHQ-9 item 9 scored 2", a positive C-SSRS)."""
        hint = self.query_one("#risk-hint", Static)
        hint.update(Text("; ".join(flags) + ": the SI detail is required.") if flags else "")

    def apply(self, draft: NoteDraft) -> None:
        values = {key: self.query_one(f"#risk-{key}", ChoiceField).value for key in ("si", "hi", "self_harm")}
        details = {f"{key}_detail": self.query_one(f"#risk-{key}-detail", Input).value.strip()
                   for key in ("si", "hi", "self_harm")}
        draft.risk = RiskStatement(
            **values, **details, level=self.query_one("#risk-level", ChoiceField).value,
            protective_factors=self.query_one("#risk-protective", Input).value.strip(),
            safety_plan=self.query_one("#risk-safety-plan", ChoiceField).value,
        )


# -- 7. goals --------------------------------------------------------------------------
class GoalsPane(StepPane):
    step_id = "goals"
    title = "Goals"

    DEFAULT_CSS = """
    GoalsPane .objective-label { margin-left: 2; }
    GoalsPane .objective-interventions { height: auto; max-height: 8; margin-left: 2; border: none; }
    """

    def __init__(self, goals: list[GoalProgress], objectives: list[ObjectiveProgress] | None = None,
                 used_today: list[str] | None = None) -> None:
        super().__init__(id="step-goals")
        self.goals = goals
        self.objectives = list(objectives or [])
        self.used_today = list(used_today or [])  # today's interventions, offered under each objective

    def _order(self) -> list[tuple[str, int]]:
        """("goal", i) and ("objective", j) in the order shown: each objective under its goal."""
        placed: set[int] = set()
        out: list[tuple[str, int]] = []
        for i, goal in enumerate(self.goals):
            out.append(("goal", i))
            for j, objective in enumerate(self.objectives):
                if objective.goal_id == goal.goal_id and j not in placed:
                    placed.add(j)
                    out.append(("objective", j))
        return out + [("objective", j) for j in range(len(self.objectives)) if j not in placed]

    def _options(self, objective: ObjectiveProgress) -> list[str]:
        return [*self.used_today, *[i for i in objective.interventions if i not in self.used_today]]

    def compose(self) -> ComposeResult:
        if not self.goals and not self.objectives:
            yield Static("No active treatment-plan goals. Add them from the clients screen (e).", classes="step-prompt")
            return
        yield Static("Mark each active goal and give one line of evidence"
                     + ("; under each objective, space ticks today's interventions that served it." if self.objectives
                        else "."), classes="step-prompt")
        for kind, index in self._order():
            if kind == "goal":
                goal = self.goals[index]
                yield Static(Text(goal.label), classes="goal-label")
                yield ChoiceField("Progress", GOAL_STATUSES, goal.status, labels={"": "not rated"}, id=f"goal-{index}")
                yield _row("Evidence", _input(goal.evidence, id=f"goal-{index}-evidence"))
                continue
            objective = self.objectives[index]
            yield Static(Text(objective.label), classes="goal-label objective-label")
            yield ChoiceField("Progress", GOAL_STATUSES, objective.status, labels={"": "not rated"},
                              id=f"objective-{index}")
            yield _row("Evidence", _input(objective.evidence, id=f"objective-{index}-evidence"))
            picks = SelectionList[str](*[Selection(Text(p), p, p in objective.interventions)
                                         for p in self._options(objective)],
                                       id=f"objective-{index}-interventions", classes="objective-interventions")
            picks.display = bool(picks.option_count)
            yield picks

    def sync_interventions(self, used_today: list[str]) -> None:
        """Today's interventions changed (the Interventions step): offer the new list under each
        objective; a link to one no longer used today goes."""
        if used_today == self.used_today:
            return
        self.used_today = list(used_today)
        for j, objective in enumerate(self.objectives):
            objective = replace(objective, interventions=[i for i in objective.interventions if i in used_today])
            self.objectives[j] = objective
            if not self.is_mounted:
                continue
            picks = self.query_one(f"#objective-{j}-interventions", SelectionList)
            with picks.prevent(SelectionList.SelectedChanged):
                picks.clear_options()
                picks.add_options([Selection(Text(p), p, p in objective.interventions) for p in self._options(objective)])
            picks.display = bool(picks.option_count)

    def apply(self, draft: NoteDraft) -> None:
        draft.goals = [
            replace(goal, status=self.query_one(f"#goal-{i}", ChoiceField).value,
                    evidence=self.query_one(f"#goal-{i}-evidence", Input).value.strip())
            for i, goal in enumerate(self.goals)
        ]
        objectives = []
        for j, objective in enumerate(self.objectives):
            ticked = set(self.query_one(f"#objective-{j}-interventions", SelectionList).selected)
            objectives.append(replace(
                objective, status=self.query_one(f"#objective-{j}", ChoiceField).value,
                evidence=self.query_one(f"#objective-{j}-evidence", Input).value.strip(),
                interventions=[p for p in self._options(objective) if p in ticked]))
        self.objectives = objectives
        draft.objectives = list(objectives)


# -- 8. plan ---------------------------------------------------------------------------
class PlanPane(StepPane):
    step_id = "plan"
    title = "Plan"

    def __init__(self, plan: Plan) -> None:
        super().__init__(id="step-plan")
        self.plan = plan

    def compose(self) -> ComposeResult:
        p = self.plan
        yield Static("Next session, homework (from hw), focus for next time (from ?), coordination.", classes="step-prompt")
        yield _row("Next session", _input(p.next_session, id="plan-next"))
        yield _row("Homework", _input(p.homework, id="plan-homework"))
        yield _row("Next focus", _input(p.next_focus, id="plan-focus"))
        yield _row("Coordination", _input(p.coordination, id="plan-coordination",
                                          placeholder="— (other providers, releases, referrals)"))

    def apply(self, draft: NoteDraft) -> None:
        draft.plan = Plan(
            next_session=self.query_one("#plan-next", Input).value.strip(),
            homework=self.query_one("#plan-homework", Input).value.strip(),
            next_focus=self.query_one("#plan-focus", Input).value.strip(),
            coordination=self.query_one("#plan-coordination", Input).value.strip(),
        )


# -- 9. review -------------------------------------------------------------------------
class ReviewPane(StepPane):
    step_id = "review"
    title = "Review and sign"

    def __init__(self) -> None:
        super().__init__(id="step-review")
        self._shown: tuple[object, ...] | None = None  # what show() last put on screen

    DEFAULT_CSS = """
    ReviewPane > #review-top { dock: top; height: auto; max-height: 50%; background: $background; }
    """

    def compose(self) -> ComposeResult:
        # Status and errors are docked: they stay in view however far the note is scrolled.
        with Vertical(id="review-top"):
            yield Static("", id="review-status", classes="step-prompt")
            yield Static("", id="review-errors", classes="review-errors")
        yield SelectionList[str](id="review-warnings")
        yield Static("", id="review-text", classes="review-text")

    def show(self, text: str, findings: list[Finding], finding_id: Callable[[Finding], str],
             acknowledged: set[str], signed: bool = False, next_member: bool = False) -> None:
        shown = (text, tuple(findings), frozenset(acknowledged), signed, next_member)
        if shown == self._shown:
            return  # a revisit with nothing changed: no rebuilt list, no relaid note
        self._shown = shown
        errors = [f for f in findings if f.level == "error"]
        warnings = [f for f in findings if f.level == "warning"]
        status = self.query_one("#review-status", Static)
        if signed:
            status.update(Text("Signed and locked. ctrl+o copies it for the EHR; Esc returns."
                               + (" ctrl+n: the next member's note." if next_member else "")))
        elif errors:
            status.update(Text(f"{len(errors)} error(s) to fix before signing."))
        elif warnings and not all(finding_id(w) in acknowledged for w in warnings):
            status.update(Text("Acknowledge each warning (space), then ctrl+s signs."))
        else:
            status.update(Text("Ready. ctrl+s signs and locks the note."))
        self.query_one("#review-errors", Static).update(
            Text("\n".join(f"✗ {f.message}" for f in errors)) if errors else "")
        picks = self.query_one("#review-warnings", SelectionList)
        picks.display = bool(warnings) and not signed
        previous = picks.highlighted
        with picks.prevent(SelectionList.SelectedChanged):
            picks.clear_options()
            picks.add_options([Selection(Text(f"⚠ {w.message}"), finding_id(w), finding_id(w) in acknowledged)
                               for w in warnings])
        if warnings and not signed:
            # Space acknowledges the highlighted warning, so one is always highlighted:
            # the next still open, else where the cursor was (a rebuilt list has none).
            still_open = [i for i, w in enumerate(warnings) if finding_id(w) not in acknowledged]
            picks.highlighted = still_open[0] if still_open else min(previous or 0, len(warnings) - 1)
        self.query_one("#review-text", Static).update(Text(text))

    def acknowledged(self) -> set[str]:
        return set(self.query_one("#review-warnings", SelectionList).selected)

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        """An acknowledgement is not an edit of the draft: let it bubble to the screen, which
        records it (StepPane's handler would stop it here and it would never count)."""
        event.prevent_default()  # skip StepPane's handler; the event still bubbles

    def apply(self, draft: NoteDraft) -> None:
        """The review changes nothing in the draft; acknowledgements are the screen's."""


# -- the steps ---------------------------------------------------------------------------
def build_steps(template, draft: NoteDraft, jottings: list[Jotting], *,  # noqa: ANN001
                carry: Callable[[Jotting], str], template_names: dict[str, str], picks: list[str],
                members=(), member=None, risk_lines: list[str] | None = None,  # noqa: ANN001
                shared: bool = True, previous: dict[str, MeasureScore] | None = None,
                custom_scales: "Mapping[str, CustomScale] | None" = None) -> list[StepPane]:
    """The write-up's steps (see ``tui.domain.steps``), each pane built from the draft.
    ``previous``: the client's earlier score per instrument (context, not draft)."""
    from ..domain.routing import offers
    from ..domain.steps import plan_steps

    sections = {spec.key: spec for spec in template.sections}

    def part(name: str) -> StepPane:
        if name.startswith("section:"):
            spec = sections[name.split(":", 1)[1]]
            offered = offers(jottings, spec, member=member, members=members, template=template)
            return SectionPane(spec, offered, draft.text_for(spec.key, "group" if spec.part == "group" else "note"),
                               carry)
        if name == "facts":
            return FactsPane(draft.facts, template_names)
        if name == "measures":
            return MeasuresPane(list(draft.measures), dict(previous or {}), custom_scales)
        if name == "mse":
            return MentalStatusPane(draft.mental_status)
        if name == "interventions":
            return InterventionsPane(list(draft.interventions), picks)
        if name == "goals":
            return GoalsPane(list(draft.goals), list(draft.objectives), list(draft.interventions))
        if name == "plan":
            return PlanPane(draft.plan)
        if name == "risk":
            return RiskPane(draft.risk, risk_lines)
        if name == "review":
            return ReviewPane()
        raise ValueError(f"unknown write-up part {name!r}")

    panes: list[StepPane] = []
    for step in plan_steps(template, shared=shared):
        parts = [part(name) for name in step.parts]
        if len(parts) == 1:
            pane = parts[0]
            pane.title = step.title
        else:
            pane = CombinedStep(step.key, step.title, parts)
        panes.append(pane)
    return panes
