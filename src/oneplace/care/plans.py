"""Reading care plans: the statements of the service's hot path, built once in SQLAlchemy Core
(the API's FHIR reads and the dashboard's care pages share them)."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, func, select

from . import db

_PLANS, _VERSIONS = db.CarePlan.__table__, db.CarePlanVersion.__table__
_STORED = (_VERSIONS.c.version, _VERSIONS.c.created_at, _VERSIONS.c.resource)

LATEST_VERSION = (
    select(_PLANS.c.patient_id, *_STORED)
    .select_from(_PLANS.outerjoin(_VERSIONS, _VERSIONS.c.care_plan_id == _PLANS.c.id))
    .where(_PLANS.c.id == bindparam("plan_id"))
    .order_by(_VERSIONS.c.version.desc())
    .limit(1)
)
"""A plan's patient and its latest version; no row for an unknown plan."""

PLAN_VERSION = (
    select(_PLANS.c.patient_id, *_STORED)
    .select_from(
        _PLANS.outerjoin(
            _VERSIONS,
            and_(
                _VERSIONS.c.care_plan_id == _PLANS.c.id,
                _VERSIONS.c.version == bindparam("version"),
            ),
        )
    )
    .where(_PLANS.c.id == bindparam("plan_id"))
)
"""A plan's patient and version ``version`` (its columns null if there is none); no row for
an unknown plan."""

_NEWEST = (
    select(_VERSIONS.c.care_plan_id, func.max(_VERSIONS.c.version).label("version"))
    .group_by(_VERSIONS.c.care_plan_id)
    .subquery()
)
PATIENT_PLANS = (
    select(_PLANS.c.id.label("plan_id"), *_VERSIONS.c)
    .select_from(
        _PLANS.join(_NEWEST, _NEWEST.c.care_plan_id == _PLANS.c.id).join(
            _VERSIONS,
            and_(
                _VERSIONS.c.care_plan_id == _PLANS.c.id,
                _VERSIONS.c.version == _NEWEST.c.version,
            ),
        )
    )
    .where(_PLANS.c.patient_id == bindparam("patient_id"))
    .order_by(_PLANS.c.created_at, _PLANS.c.id)
)
"""A patient's plans, oldest first, each with its latest version (all its columns)."""
