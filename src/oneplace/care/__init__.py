"""The care plane (DESIGN.md, "Two planes"; issue 6): the identifiable, audited service where
locality teams share care plans. So far: its pure logic — NHS number validation
(``nhs_number``), the one access policy (``policy``), the hash-chained audit log
(``audit_chain``) and the keyed pseudonym that links a patient to the analytics plane
(``pseudonym``) — and its storage: SQLAlchemy models and the Alembic migration (``db``,
``migrations``) and the append-only audit store (``audit_store``), on SQLite and PostgreSQL.
The web service (FastAPI, authentication, FHIR) is still to come; docs/care-plane.md says
what it adds.
"""
