DROP TABLE user_publishers;
