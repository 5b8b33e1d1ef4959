-- What a bulk import did (its resource and counts, as JSON text); null for other events.
ALTER TABLE audit_events ADD COLUMN detail TEXT;
