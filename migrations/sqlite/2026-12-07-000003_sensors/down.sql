DROP TABLE sensor_rollups;
DROP TABLE sensor_latest;
DROP TABLE sensor_observations;
DROP TABLE sensor_datastreams;
DROP TABLE sensor_things;
