DROP TABLE view_positions;
