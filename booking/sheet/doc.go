// Package sheet reads and writes the facilities and events file as a
// spreadsheet, for staff who keep their events in Excel or Google Sheets:
// an XLSX workbook with one sheet per table (fasilitas, acara, lokasi,
// sesi) and a Petunjuk sheet explaining every column in Indonesian, or one
// CSV file holding the four tables as sections (see ReadCSV).
//
// It converts to and from booking.Catalog, the type booking.Parse returns
// for a YAML file: a spreadsheet is checked by booking.Build, so the rules
// of an events file are those of the YAML format, and every problem is
// named by sheet, row and column, in Indonesian, e.g.
//
//	Sheet "sesi", baris 7, kolom "kapasitas": harus bilangan bulat 1–10000, bukan "dua puluh"
//
// The header row names the columns (in any order); column headers, sheet
// names, error messages and the Petunjuk sheet are Indonesian, as they are
// part of the format staff read and write. Excel's ways of storing values
// are accepted: numbers as floats ("25.0"), dates as serial numbers or text
// (2023-07-20, 20/07/2023, 20 Juli 2023), times as fractions of a day or
// text (08:00, 8.00), decimal commas ("-6,8886"), thousands dots in whole
// numbers ("1.000"), empty rows anywhere, a UTF-8 byte-order mark and ";"
// as the CSV separator.
//
// Used by the kbbot binary (kbbot template, kbbot import) and by the bot's
// import of a document an admin sends; it imports excelize, never Redis,
// Telegram or the dialog.
package sheet
