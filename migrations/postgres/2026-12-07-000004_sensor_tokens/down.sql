DROP TABLE sensor_tokens;
