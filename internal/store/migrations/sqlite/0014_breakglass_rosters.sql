-- Break-glass grants may open rosters as well as departments.
ALTER TABLE break_glass ADD COLUMN roster_ids TEXT NOT NULL DEFAULT '[]';
