-- The municipality's own background layers (roads, water, buildings …) from a GeoPackage, drawn beneath the map's
-- data (issue 13). Stored ready to draw: WGS84, simplified, geometry only (no attributes, so no uploaded text but
-- the layer's name, which is shown nowhere as markup). One row per GeoPackage layer; importing a layer of the same
-- name again replaces it.
CREATE SEQUENCE background_layer_ids MINVALUE 0 START 1;
CREATE TABLE background_layers (
    id INTEGER PRIMARY KEY DEFAULT nextval('background_layer_ids'),
    name VARCHAR NOT NULL UNIQUE,          -- the GeoPackage layer's name
    kind VARCHAR NOT NULL CHECK (kind IN ('vag', 'vatten', 'byggnad', 'ovrigt')),
    geometry_type VARCHAR NOT NULL,        -- line, polygon or point
    features INTEGER NOT NULL,
    bytes INTEGER NOT NULL,                -- size of `geojson`
    geojson VARCHAR NOT NULL,              -- a FeatureCollection of geometries in WGS84 (lon/lat)
    source_file VARCHAR NOT NULL,
    imported_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT current_timestamp,
    imported_by VARCHAR
);
