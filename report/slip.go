package report

// Slip is a booking slip for a resident booked without a phone, drawn as
// a PNG (package report/render) for the cadre to print or show: a title
// band, the resident's name, the booking code and queue number written
// large, then labelled rows (place, time, method, what to bring) and a
// footer. Texts are as shown; the slip is in Indonesian, as residents
// read it.
type Slip struct {
	// Title is written in the band at the top, e.g. "KB Serentak · Slip
	// pendaftaran".
	Title string
	// Name is the resident's name.
	Name string
	// CodeLabel names the code ("Kode pendaftaran"); Code is the booking
	// code.
	CodeLabel, Code string
	// QueueLabel names the queue number ("Nomor antrean"), Queue is it
	// ("" for none) and QueueNote says when it is served.
	QueueLabel, Queue, QueueNote string
	// Rows are label and value pairs: place, time, method, what to bring.
	Rows [][2]string
	// Footer is a line at the bottom, e.g. who booked and where to show it.
	Footer string
}
