-- Every observation (good or suspect) counted per datastream and UTC
-- hour, maintained as data arrives: a datastream's `$count` over a time
-- range sums the whole hours here and counts only the two partial hours
-- at its ends in the raw table. (The rollups count good values only.)
CREATE TABLE sensor_hour_counts (
    datastream BIGINT NOT NULL,
    hour BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (datastream, hour)
) WITHOUT ROWID;

-- Observations before 1970 are refused, so the division floors.
INSERT INTO sensor_hour_counts (datastream, hour, n)
SELECT datastream, (time / 3600000000) * 3600000000, COUNT(*)
FROM sensor_observations GROUP BY 1, 2;
