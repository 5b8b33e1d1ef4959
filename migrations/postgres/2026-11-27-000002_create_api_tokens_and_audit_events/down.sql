DROP TABLE audit_events;
DROP TABLE api_tokens;
