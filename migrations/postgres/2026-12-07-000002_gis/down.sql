DROP TABLE gis_features;
DROP TABLE gis_layers;
