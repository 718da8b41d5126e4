"""What happens to plans, for the features that react to it (search
indexing, notifications). Receivers are connected in ``create_app``."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the plan id. Its searchable content or audience changed.
plan_changed = _signals.signal("plan-changed")
# sender: the Plan; kwargs: from_state, to_state, actor, comment.
plan_state_changed = _signals.signal("plan-state-changed")
# sender: the PlanMeasure; kwargs: actor. An action was added or its owner is new.
measure_assigned = _signals.signal("measure-assigned")
# sender: the Plan; kwargs: actor. Its last open action was marked done.
measures_done = _signals.signal("plan-measures-done")
