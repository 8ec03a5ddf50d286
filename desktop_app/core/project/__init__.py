"""The project store: one SQLite file per project (store), opening and access checks (file,
access), who holds it open (holder) and the schema (schema).
"""
