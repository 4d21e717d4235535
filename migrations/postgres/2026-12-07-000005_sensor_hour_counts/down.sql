DROP TABLE sensor_hour_counts;
