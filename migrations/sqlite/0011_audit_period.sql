-- The audit trail filtered by period (`since`, `until`): events by their time.
CREATE INDEX audit_events_at ON audit_events (at);
