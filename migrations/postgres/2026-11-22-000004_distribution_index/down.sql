DROP INDEX datasets_listing;
DROP INDEX distributions_dataset;
