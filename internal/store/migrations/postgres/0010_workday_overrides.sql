-- Working-day overrides: an administrator's corrections to the built-in Chinese statutory
-- holiday calendar, and the holidays and 调休 make-up workdays of years not yet published.
-- An override wins over the built-in data for its date.
CREATE TABLE workday_overrides (
    date       TEXT PRIMARY KEY, -- civil date in Asia/Shanghai, YYYY-MM-DD
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '', -- the administrator's user name
    created_at TIMESTAMPTZ NOT NULL
);
