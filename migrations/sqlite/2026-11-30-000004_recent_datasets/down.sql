DROP INDEX datasets_recent;
