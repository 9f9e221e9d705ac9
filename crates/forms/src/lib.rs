//! Instruments: XLSForm import, expressions, validation and scoring (to come).
