"""The report's outcomes sections: the scorecard against targets, each indicator by locality,
funnel plots across practices, SPC charts by month, inequality by deprivation and the
incentive payout.

One module a section: :mod:`.scorecard`, :mod:`.comparison` (by locality and by
deprivation), :mod:`.funnels` (practices), :mod:`.spc` and :mod:`.payout`; they share the
run's results as read and masked for a public page (:mod:`.results`), how an indicator's
numbers read (:mod:`.cells`) and what their charts have in common (:mod:`.charts`).

Read from the latest run's outcomes tables; a table the workspace does not hold reads as no
rows, and each section then says what is missing. Without an ``outcomes:`` framework in the
place file there are no targets, scores or payout: the scorecard says so plainly and shows
every indicator of the library for the whole place.

:func:`outcomes_parts` returns the sections' parts, as :func:`oneplace.web.money.money_parts`
does. On a public page (``fmt.public``) every numerator and denominator that counts people or
events goes through disclosure control, and so does the ``people`` of each unit: counts under
5 suppressed, others rounded to 5; the value, limits, expected events and comparison of a unit
with a suppressed count are withheld, in the tables and in the charts' data (such a point is
not drawn). Money numerators and denominators (spend per head, hospital share of spend) are
shown as they are. An SPC series with a withheld month also has its mean and process limits
withheld: with them and the other months the withheld month could be worked out exactly.
Payout amounts are money and are shown as they are.
"""

from __future__ import annotations

from ...place import Place
from ..formatting import Formatter
from ..money import Part, _empty_part
from .comparison import inequality_part, locality_part
from .funnels import funnel_part
from .payout import payout_part
from .results import OUTCOMES_TABLES, Outcomes, indicator_order, read_outcomes, values_frame
from .scorecard import scorecard_part
from .spc import spc_part


def outcomes_parts(data: Outcomes, place: Place, fmt: Formatter) -> list[Part]:
    inds = indicator_order(place, set(data.values["indicator_id"]))
    if not inds:
        return [
            _empty_part(
                "outcomes",
                "Outcomes",
                "No indicator values: the run did not compute them (run 'oneplace run' with "
                "this version of oneplace).",
            )
        ]
    frame = values_frame(data, place, inds)
    return [
        scorecard_part(data, place, inds, frame, fmt),
        locality_part(data, inds, frame, fmt),
        funnel_part(data, inds, frame, fmt),
        spc_part(data, place, inds, fmt),
        inequality_part(data, inds, frame, fmt),
        payout_part(data, place, inds, fmt),
    ]


__all__ = ["OUTCOMES_TABLES", "Outcomes", "outcomes_parts", "read_outcomes"]
