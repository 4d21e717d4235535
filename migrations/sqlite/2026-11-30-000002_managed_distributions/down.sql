ALTER TABLE distributions DROP COLUMN managed_by;
