-- Strategy tracking: implementation projects with their monthly status
-- reports, KPIs with their yearly targets and measurements, and the
-- reporting periods the reports and values are due for. Facts are
-- appended: a submitted report or a measurement is corrected by a newer
-- row, never changed in place. Dates of periods are ISO text
-- (YYYY-MM-DD), which sorts and compares as dates on both backends.

-- The admin's bands of a KPI's status (share of the expected progress)
-- and the days after a period's end before its values are due.
ALTER TABLE strategies ADD COLUMN on_track_band REAL NOT NULL DEFAULT 0.95;
ALTER TABLE strategies ADD COLUMN at_risk_band REAL NOT NULL DEFAULT 0.85;
ALTER TABLE strategies ADD COLUMN grace_days INTEGER NOT NULL DEFAULT 15;

CREATE TABLE projects (
    id TEXT PRIMARY KEY NOT NULL,
    strategy_id TEXT NOT NULL REFERENCES strategies(id) ON DELETE CASCADE,
    -- Given at creation, never changed: URLs and IRIs use it.
    code TEXT NOT NULL UNIQUE,
    title_cs TEXT NOT NULL,
    title_en TEXT,
    description_cs TEXT NOT NULL,
    guarantor TEXT NOT NULL,
    funding TEXT NOT NULL,
    budget_czk BIGINT,
    planned_start TEXT,
    planned_end TEXT,
    actual_start TEXT,
    actual_end TEXT,
    weight REAL NOT NULL DEFAULT 1,
    state TEXT NOT NULL,
    -- The state a suspended project resumes to.
    suspended_from TEXT,
    -- From the latest submitted status report.
    progress INTEGER NOT NULL DEFAULT 0,
    health TEXT,
    spent_czk BIGINT,
    reported_at TIMESTAMP,
    is_example BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX projects_strategy ON projects (strategy_id);

CREATE TABLE project_measures (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    measure_id TEXT NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, measure_id)
);
CREATE INDEX project_measures_measure ON project_measures (measure_id);

-- The working-group members responsible for a project or a KPI.
CREATE TABLE project_members (
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members (user_id);

CREATE TABLE kpis (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    goal_id TEXT REFERENCES goals(id) ON DELETE CASCADE,
    project_id TEXT REFERENCES projects(id) ON DELETE CASCADE,
    name_cs TEXT NOT NULL,
    name_en TEXT,
    unit TEXT NOT NULL,
    direction TEXT NOT NULL,
    method TEXT NOT NULL,
    frequency TEXT NOT NULL,
    baseline_value REAL NOT NULL,
    baseline_year INTEGER NOT NULL,
    method_note_cs TEXT NOT NULL,
    -- "manual", or the portal's own query that computes it.
    source TEXT NOT NULL,
    is_example BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (goal_id IS NOT NULL OR project_id IS NOT NULL)
);
CREATE INDEX kpis_goal ON kpis (goal_id);
CREATE INDEX kpis_project ON kpis (project_id);

CREATE TABLE kpi_targets (
    kpi_id TEXT NOT NULL REFERENCES kpis(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (kpi_id, year)
);

CREATE TABLE kpi_members (
    kpi_id TEXT NOT NULL REFERENCES kpis(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (kpi_id, user_id)
);
CREATE INDEX kpi_members_user ON kpi_members (user_id);

CREATE TABLE measurements (
    id TEXT PRIMARY KEY NOT NULL,
    kpi_id TEXT NOT NULL REFERENCES kpis(id) ON DELETE CASCADE,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    value REAL NOT NULL,
    state TEXT NOT NULL,
    -- A correction names the measurement it replaces; the old one keeps
    -- its row and gets the new one's id here.
    supersedes TEXT REFERENCES measurements(id),
    superseded_by TEXT REFERENCES measurements(id),
    source TEXT NOT NULL,
    note TEXT,
    recorded_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    recorded_at TIMESTAMP NOT NULL,
    submitted_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    verified_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    is_example BOOLEAN NOT NULL DEFAULT 0
);
-- A KPI's current values by period, the dashboard's one read per KPI.
CREATE INDEX measurements_kpi_period ON measurements (kpi_id, period_end);

CREATE TABLE reporting_periods (
    id TEXT PRIMARY KEY NOT NULL,
    strategy_id TEXT NOT NULL REFERENCES strategies(id) ON DELETE CASCADE,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    due TEXT NOT NULL,
    UNIQUE (strategy_id, period_start)
);

CREATE TABLE status_reports (
    id TEXT PRIMARY KEY NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    period_id TEXT NOT NULL REFERENCES reporting_periods(id),
    -- A correction of a submitted report is its next version.
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    project_state TEXT NOT NULL,
    progress INTEGER NOT NULL,
    health TEXT NOT NULL,
    health_reason TEXT,
    actual_start TEXT,
    actual_end TEXT,
    spent_czk BIGINT,
    risks TEXT,
    next_steps TEXT,
    asks TEXT,
    author_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    submitted_at TIMESTAMP,
    is_example BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (project_id, period_id, version)
);
CREATE INDEX status_reports_period ON status_reports (period_id);
