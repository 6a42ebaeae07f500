//! GDAL and GEOS, the C libraries behind the GIS-file door, opened when first needed (see
//! `lazy_lib` for how and why). Each list names every function of the library that the
//! program calls, through the `gdal` crate or our own `extern` blocks.

#![allow(unsafe_code, reason = "the trampolines of `lazy_lib` are written in global assembly")]

use nexus_service::gis::IngestError;

use crate::lazy_lib::lazy_library;

lazy_library! {
    /// GDAL (the soname found at build time; see `build.rs`).
    gdal = env!("NEXUS_GDAL_SONAME"); [
        CPLCalloc, CPLErrorReset, CPLGetErrorHandlerUserData, CPLGetLastErrorMsg,
        CPLHTTPSetFetchCallback, CPLSetErrorHandlerEx, CPLStrdup, GDALAllRegister, GDALClose,
        GDALDatasetGetLayer, GDALDatasetGetLayerCount, GDALGetDriverByName, GDALOpenEx,
        GDALVectorTranslate, GDALVectorTranslateOptionsFree, GDALVectorTranslateOptionsNew,
        GDALVectorTranslateOptionsSetProgress, GDALVersionInfo, OCTDestroyCoordinateTransformation,
        OCTNewCoordinateTransformation, OGR_FD_GetFieldCount, OGR_FD_GetFieldDefn,
        OGR_FD_GetGeomFieldCount, OGR_FD_GetGeomFieldDefn, OGR_FD_GetGeomType, OGR_F_Destroy,
        OGR_F_GetFieldAsDateTime, OGR_F_GetFieldAsDouble, OGR_F_GetFieldAsDoubleList,
        OGR_F_GetFieldAsInteger, OGR_F_GetFieldAsInteger64, OGR_F_GetFieldAsInteger64List,
        OGR_F_GetFieldAsIntegerList, OGR_F_GetFieldAsString, OGR_F_GetFieldAsStringList,
        OGR_F_GetFieldCount, OGR_F_GetFieldDefnRef, OGR_F_GetGeometryRef, OGR_F_IsFieldNull,
        OGR_F_IsFieldSet, OGR_Fld_GetNameRef, OGR_Fld_GetSubType, OGR_Fld_GetType, OGR_GFld_GetType,
        OGR_GT_Flatten, OGR_GT_HasM, OGR_GT_HasZ, OGR_G_Clone, OGR_G_CreateFromWkb,
        OGR_G_DestroyGeometry, OGR_G_ExportToWkb, OGR_G_FlattenTo2D, OGR_G_GetGeometryType,
        OGR_G_IsEmpty, OGR_G_IsValid, OGR_G_Transform, OGR_G_WkbSize, OGR_L_GetFeatureCount,
        OGR_L_GetLayerDefn, OGR_L_GetName, OGR_L_GetNextFeature, OGR_L_GetSpatialRef,
        OGR_L_ResetReading, OGR_L_SetAttributeFilter, OSRClone, OSRExportToProj4, OSRGetAuthorityCode,
        OSRGetAuthorityName, OSRGetName, OSRImportFromEPSG, OSRIsSame, OSRNewSpatialReference,
        OSRRelease, OSRSetAxisMappingStrategy, OSRSetFromUserInput, OSRSetPROJEnableNetwork, VSIFree
    ]
}

lazy_library! {
    /// GEOS's C API, whose soname has been `libgeos_c.so.1` since GEOS 3.0.
    geos = env!("NEXUS_GEOS_SONAME"); [
        GEOS_init_r, GEOS_finish_r, GEOSWKBReader_create_r, GEOSWKBReader_destroy_r,
        GEOSWKBReader_read_r, GEOSisValid_r, GEOSGeom_destroy_r,
    ]
}

/// Loads GDAL, or says which formats then cannot be read or written.
///
/// # Errors
/// [`IngestError::Library`] when the library cannot be opened.
pub fn load_gdal() -> Result<(), IngestError> {
    gdal::load().map_err(|why| {
        IngestError::Library(format!("GDAL, which reads and writes this format, cannot be loaded: {why}"))
    })
}

/// Loads GEOS, which checks the validity of every line and polygon an ingest reads.
///
/// # Errors
/// [`IngestError::Library`] when the library cannot be opened.
pub fn load_geos() -> Result<(), IngestError> {
    geos::load().map_err(|why| IngestError::Library(format!("GEOS, which checks geometries, cannot be loaded: {why}")))
}
