DROP INDEX audit_events_actor_user_id;
ALTER TABLE audit_events DROP COLUMN actor_user_id;
DROP TABLE user_identities;
DROP TABLE users;
