-- A distribution the system manages (an uploaded file, a GIS, sensor or
-- strategy export) names what manages it; NULL is a link a curator typed.
ALTER TABLE distributions ADD COLUMN managed_by TEXT;
