"""The care plane (DESIGN.md, "Two planes"; issue 6): the identifiable, audited service where
locality teams share care plans. This package holds so far only its pure logic, with no
database or web framework: NHS number validation (``nhs_number``), the one access policy
(``policy``), the hash-chained audit log (``audit_chain``) and the keyed pseudonym that links a
patient to the analytics plane (``pseudonym``). docs/care-plane.md says what the service adds.
"""
