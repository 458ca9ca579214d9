package conversations

import (
	"strconv"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/booking"
	"github.com/kbbot/kbbot/content"
)

// learnFlow is the education pages: the learn menu, the method pages, the
// comparison, the myths, the topics and the sources. Its buttons work
// anywhere (no nonce); opening one of its pages ends a running quiz.
//
//	learn:menu            the education menu
//	learn:m:<code>        a method's overview
//	learn:s:<code>:<sec>  one section of a method page
//	learn:cmp             methods side by side
//	learn:myths           the list of myths;  learn:y:<id> one myth
//	learn:t:<id>          a topic page
//	learn:mx:<code>:<sec> learn:cx  learn:yx:<id>  learn:tx:<id>
//	                      the same pages whole («Baca selengkapnya»)
//	learn:qx:<answers>    a quiz result whole (the answers encoded by
//	                      content.Library.EncodeAnswers)
//	learn:src:<n>         the sources, page n
//	learn:quiz            start the method quiz (quizFlow)
//	learn:bk:<code>       book the method at a KB serentak
//
// Unknown ids are expired buttons. Free text outside a flow is a question
// for the search (search, below).
type learnFlow struct{}

// cbLearn is the learn flow's name and callback action; other flows link
// its pages with data(cbLearn, ...).
const cbLearn = "learn"

const (
	// The menu and the method pages.
	learnMenu    = "menu"
	learnMethod  = "m"
	learnSection = "s"

	// The other pages.
	learnCompare = "cmp"
	learnMyths   = "myths"
	learnMyth    = "y"
	learnTopic   = "t"
	learnSources = "src"

	// The pages whole, behind «Baca selengkapnya».
	learnMethodMore  = "mx"
	learnCompareMore = "cx"
	learnMythMore    = "yx"
	learnTopicMore   = "tx"
	learnQuizMore    = "qx"

	// Doors to the quiz and to booking.
	learnQuiz = "quiz"
	learnBook = "bk"
)

func (learnFlow) Name() string            { return cbLearn }
func (learnFlow) Commands() []string      { return nil }
func (learnFlow) Text(*step, string) bool { return false }

// Start shows the education menu.
func (f learnFlow) Start(st *step, _ string) { f.menu(st) }

func (f learnFlow) Routes() []Route {
	// page is a route to one of the pages; it ends a running quiz.
	page := func(op string, args int, do func(st *step, args []string)) Route {
		return Route{Op: op, Args: args, Do: func(st *step, a []string) {
			leaveQuiz(st)
			do(st, a)
		}}
	}
	return []Route{
		page(learnMenu, 0, func(st *step, _ []string) { f.menu(st) }),
		page(learnMethod, 1, func(st *step, a []string) { f.method(st, a[0], content.SectionOverview, false) }),
		page(learnSection, 2, func(st *step, a []string) { f.method(st, a[0], a[1], false) }),
		page(learnCompare, 0, func(st *step, _ []string) { f.compare(st, false) }),
		page(learnMyths, 0, func(st *step, _ []string) { f.myths(st) }),
		page(learnMyth, 1, func(st *step, a []string) { f.myth(st, a[0], false) }),
		page(learnTopic, 1, func(st *step, a []string) { f.topic(st, a[0], false) }),
		page(learnMethodMore, 2, func(st *step, a []string) { f.method(st, a[0], a[1], true) }),
		page(learnCompareMore, 0, func(st *step, _ []string) { f.compare(st, true) }),
		page(learnMythMore, 1, func(st *step, a []string) { f.myth(st, a[0], true) }),
		page(learnTopicMore, 1, func(st *step, a []string) { f.topic(st, a[0], true) }),
		page(learnQuizMore, 1, func(st *step, a []string) { quizFlow{}.result(st, a[0], true) }),
		page(learnSources, 1, func(st *step, a []string) { f.sources(st, a[0]) }),
		page(learnQuiz, 0, func(st *step, _ []string) { quizFlow{}.Start(st, "") }),
		page(learnBook, 1, func(st *step, a []string) {
			if _, ok := st.e.lib.Method(a[0]); !ok {
				st.expired()
				return
			}
			st.open(flowBook, a[0])
		}),
	}
}

// leaveQuiz ends a running quiz: its answers do not outlive it.
func leaveQuiz(st *step) {
	if st.s.Flow == quizName {
		st.s.resetFlow()
	}
}

// methodData is the button data of one section of a method page.
func methodData(code, section string) string {
	if section == "" || section == content.SectionOverview {
		return data(cbLearn, learnMethod, code)
	}
	return data(cbLearn, learnSection, code, section)
}

func (f learnFlow) menu(st *step) {
	// Built once per language and form of address (the labels follow both).
	key := string(st.lang()) + "/" + strconv.FormatBool(st.bapak())
	if rows, ok := st.e.learnMenus.Load(key); ok {
		st.show(st.t("learn_title"), rows.([][]kbbot.Button))
		return
	}
	rows := f.menuButtons(st)
	st.e.learnMenus.Store(key, rows)
	st.show(st.t("learn_title"), rows)
}

// menuButtons builds the learning menu's buttons in the resident's language.
func (f learnFlow) menuButtons(st *step) [][]kbbot.Button {
	lib := st.e.lib
	var rows [][]kbbot.Button
	methods := lib.Methods()
	for i := 0; i < len(methods); i += 2 {
		row := []kbbot.Button{{Label: methods[i].Name.In(st.lang()), Data: methodData(methods[i].Code, "")}}
		if i+1 < len(methods) {
			row = append(row, kbbot.Button{Label: methods[i+1].Name.In(st.lang()), Data: methodData(methods[i+1].Code, "")})
		}
		rows = append(rows, row)
	}
	rows = append(rows,
		[]kbbot.Button{f.pageButton(st, content.PageQuiz, data(cbLearn, learnQuiz))},
		[]kbbot.Button{f.pageButton(st, content.PageCompare, data(cbLearn, learnCompare)), f.pageButton(st, content.PageMyths, data(cbLearn, learnMyths))},
	)
	for _, tp := range lib.Topics() {
		rows = append(rows, []kbbot.Button{{Label: tp.Title.In(st.lang()), Data: data(cbLearn, learnTopic, tp.ID)}})
	}
	rows = append(rows,
		[]kbbot.Button{st.btn("menu_ask", data(cbMenu, itemAsk))},
		[]kbbot.Button{st.btn("btn_sources", data(cbLearn, learnSources, "0")), st.btn("btn_menu", data(cbMenu))})
	return rows
}

func (learnFlow) pageButton(st *step, id, d string) kbbot.Button {
	title, err := st.e.lib.PageTitle(id)
	if err != nil {
		return kbbot.Button{Label: id, Data: d}
	}
	return kbbot.Button{Label: title.In(st.lang()), Data: d}
}

// showPage shows an education page: its first screen with a «Baca
// selengkapnya» button to more (the same page whole), or the whole page
// when whole is set; rows are the page's other buttons.
func (learnFlow) showPage(st *step, pg content.Page, whole bool, more string, rows [][]kbbot.Button) {
	if whole || pg.Rest == "" {
		st.show(pg.Full(), rows)
		return
	}
	st.show(pg.First, append([][]kbbot.Button{{st.btn("btn_read_more", more)}}, rows...))
}

// method shows one section of a method (its first screen, or whole), with
// buttons to the other sections, the "bidan decides" note, booking and the
// menu.
func (f learnFlow) method(st *step, code, section string, whole bool) {
	lib, lang := st.e.lib, st.lang()
	page, err := lib.MethodSection(code, section, lang)
	if err != nil {
		st.expired()
		return
	}
	m, _ := lib.Method(code)
	var rows [][]kbbot.Button
	var secRow []kbbot.Button
	for _, s := range content.Sections {
		if s != section {
			secRow = append(secRow, st.btn("section_"+s, methodData(code, s)))
		}
	}
	rows = append(rows, secRow)
	rows = append(rows, []kbbot.Button{st.btn("btn_bidan_note", data(cbLearn, learnTopic, content.NoteTopicID))})
	rows = append(rows, f.mythRows(st, m.Myths)...)
	if bookable(st, code) {
		rows = append(rows, []kbbot.Button{st.btnf("btn_book_method", data(cbLearn, learnBook, code), m.Name.In(lang))})
	}
	f.showPage(st, page, whole, data(cbLearn, learnMethodMore, code, section), append(rows, f.back(st)...))
}

func (f learnFlow) compare(st *step, whole bool) {
	f.showPage(st, st.e.lib.ComparePage(st.lang()), whole, data(cbLearn, learnCompareMore), f.back(st))
}

func (f learnFlow) myths(st *step) {
	lib, lang := st.e.lib, st.lang()
	var rows [][]kbbot.Button
	for i, m := range lib.Myths() {
		rows = append(rows, []kbbot.Button{{Label: strconv.Itoa(i+1) + ". " + m.Title.In(lang), Data: data(cbLearn, learnMyth, m.ID)}})
	}
	f.showPage(st, lib.MythsPage(lang), true, "", append(rows, f.back(st)...))
}

func (f learnFlow) myth(st *step, id string, whole bool) {
	myth, _ := st.e.lib.Myth(id)
	rows := append(f.methodRows(st, myth.Methods), []kbbot.Button{f.pageButton(st, content.PageMyths, data(cbLearn, learnMyths))})
	page, err := st.e.lib.MythPage(id, st.lang())
	f.page(st, page, err, whole, data(cbLearn, learnMythMore, id), rows)
}

func (f learnFlow) topic(st *step, id string, whole bool) {
	lib := st.e.lib
	tp, _ := lib.Topic(id)
	rows := f.methodRows(st, tp.Methods)
	for _, tid := range tp.Topics {
		if t, ok := lib.Topic(tid); ok {
			rows = append(rows, []kbbot.Button{{Label: t.Title.In(st.lang()), Data: data(cbLearn, learnTopic, tid)}})
		}
	}
	rows = append(rows, f.mythRows(st, tp.Myths)...)
	page, err := lib.TopicPage(id, st.lang())
	f.page(st, page, err, whole, data(cbLearn, learnTopicMore, id), rows)
}

// page shows a page with its buttons and the way back; an unknown page
// (err) is an expired button.
func (f learnFlow) page(st *step, page content.Page, err error, whole bool, more string, rows [][]kbbot.Button) {
	if err != nil {
		st.expired()
		return
	}
	f.showPage(st, page, whole, more, append(rows, f.back(st)...))
}

// methodRows are buttons to the overviews of the methods codes.
func (learnFlow) methodRows(st *step, codes []string) [][]kbbot.Button {
	var rows [][]kbbot.Button
	for _, code := range codes {
		if m, ok := st.e.lib.Method(code); ok {
			rows = append(rows, []kbbot.Button{{Label: m.Name.In(st.lang()), Data: methodData(code, "")}})
		}
	}
	return rows
}

// mythRows are buttons to the myths ids.
func (learnFlow) mythRows(st *step, ids []string) [][]kbbot.Button {
	var rows [][]kbbot.Button
	for _, id := range ids {
		if my, ok := st.e.lib.Myth(id); ok {
			rows = append(rows, []kbbot.Button{{Label: "💬 " + my.Title.In(st.lang()), Data: data(cbLearn, learnMyth, id)}})
		}
	}
	return rows
}

// sources shows page arg of the sources.
func (f learnFlow) sources(st *step, arg string) {
	st.sourceList = true
	pages := st.e.lib.SourcesPages(st.lang())
	i, err := strconv.Atoi(arg)
	if err != nil || i < 0 || i >= len(pages) {
		st.expired()
		return
	}
	rows := f.back(st)
	if i+1 < len(pages) {
		rows = append([][]kbbot.Button{{st.btnf("btn_more", data(cbLearn, learnSources, strconv.Itoa(i+1)), i+2, len(pages))}}, rows...)
	}
	st.show(pages[i], rows)
}

// back are the last rows of every education page: a person to ask (Tanya
// bidan) and the way back.
func (learnFlow) back(st *step) [][]kbbot.Button {
	return [][]kbbot.Button{
		{st.btn("menu_ask", data(cbMenu, itemAsk))},
		{st.btn("btn_learn_menu", data(cbLearn, learnMenu)), st.btn("btn_menu", data(cbMenu))},
	}
}

// quizFlow is "Pilih metode": one question at a time, then the methods
// that fit the answers. The answers live in the flow's state only until
// the recommendation; they are not personal data that outlives the quiz.
// Buttons: quiz:a:<option>:<nonce>; "stop" is the learn menu.
type quizFlow struct{}

const (
	quizName = "quiz"
	// quizWho is the quiz question of who answers; quizWhoMan and
	// quizWhoWoman its answers (data/quiz.yaml).
	quizWho      = "siapa"
	quizWhoMan   = "laki"
	quizWhoWoman = "perempuan"
	stepQuizAsk  = "ask"
)

// quizState is the quiz so far: the current question and the answers by
// question id.
type quizState struct {
	Q       int               `json:"q"`
	Answers map[string]string `json:"answers,omitempty"`
}

func (quizFlow) Name() string            { return quizName }
func (quizFlow) Commands() []string      { return nil }
func (quizFlow) Text(*step, string) bool { return false }

// Start asks the first question.
func (f quizFlow) Start(st *step, _ string) {
	st.enter(f, stepQuizAsk)
	f.ask(st, quizState{})
}

func (f quizFlow) Routes() []Route {
	return []Route{{Op: "a", Args: 1, Steps: []string{stepQuizAsk}, Do: f.answer}}
}

func (quizFlow) ask(st *step, s quizState) {
	saveState(st, s)
	qs := st.e.lib.Quiz()
	q := qs[s.Q]
	var rows [][]kbbot.Button
	for _, o := range q.Options {
		rows = append(rows, []kbbot.Button{st.flowButton(o.Text.In(st.lang()), "a", o.Code)})
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_quiz_stop", data(cbLearn, learnMenu))})
	head := st.t("quiz_progress", s.Q+1, len(qs))
	st.show(head+"\n\n"+st.local(st.e.lib.QuestionText(q, s.Answers)), rows)
}

func (f quizFlow) answer(st *step, args []string) {
	var s quizState
	loadState(st, &s)
	qs := st.e.lib.Quiz()
	if s.Q < 0 || s.Q >= len(qs) {
		st.expired()
		return
	}
	opt, valid := args[0], false
	for _, o := range qs[s.Q].Options {
		valid = valid || o.Code == opt
	}
	if !valid {
		st.expired()
		return
	}
	if s.Answers == nil {
		s.Answers = map[string]string{}
	}
	s.Answers[qs[s.Q].ID] = opt
	if qs[s.Q].ID == quizWho {
		// The quiz's own wordings follow this answer; the bot's way of
		// address follows it too, unless told otherwise before.
		st.inferSapaan(map[string]content.Sapaan{quizWhoMan: content.SapaanBapak, quizWhoWoman: content.SapaanIbu}[opt])
	}
	if s.Q+1 < len(qs) {
		s.Q++
		f.ask(st, s)
		return
	}
	st.s.resetFlow()
	f.result(st, st.e.lib.EncodeAnswers(s.Answers), false)
}

// result shows the quiz result for the encoded answers (its first screen,
// or whole): the answers ride in the «Baca selengkapnya» button, as the
// quiz keeps none once it is over.
func (quizFlow) result(st *step, code string, whole bool) {
	answers, ok := st.e.lib.DecodeAnswers(code)
	if !ok {
		st.expired()
		return
	}
	res := st.e.lib.QuizResult(answers)
	var rows [][]kbbot.Button
	for _, r := range res.Recommendations {
		row := []kbbot.Button{{Label: r.Name.In(st.lang()), Data: methodData(r.Method, "")}}
		if bookable(st, r.Method) {
			row = append(row, st.btnf("btn_book_short", data(cbLearn, learnBook, r.Method)))
		}
		rows = append(rows, row)
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_bidan_note", data(cbLearn, learnTopic, content.NoteTopicID))})
	learnFlow{}.showPage(st, st.e.lib.RecommendationPage(res, st.lang()), whole, data(cbLearn, learnQuizMore, code), append(rows, learnFlow{}.back(st)...))
}

// search answers a free-text question from the education content: the best
// match is shown at once, with the other matches as buttons. A question
// with no good match gets the topic menu and how to reach a health worker;
// the bot never invents an answer.
func (st *step) search(q string) {
	lib, lang := st.e.lib, st.lang()
	f := learnFlow{}
	hits := lib.Search(q, lang)
	if len(hits) == 0 {
		// No answer in the content: a person to ask (Tanya bidan).
		var ask [][]kbbot.Button
		if st.e.svc.Tickets != nil {
			ask = [][]kbbot.Button{{st.btn("menu_ask", data(cbMenu, itemAsk))}}
		}
		st.send(lib.NoMatchPage(lang), ask)
		f.menu(st)
		return
	}
	best := hits[0]
	var also [][]kbbot.Button
	for _, h := range hits[1:] {
		also = append(also, []kbbot.Button{{Label: "🔎 " + h.Title.In(lang), Data: hitData(h)}})
	}
	st.inPlace = false
	switch best.Kind {
	case content.KindMethod:
		f.method(st, best.ID, best.Section, false)
	case content.KindMyth:
		leaveQuiz(st)
		f.myth(st, best.ID, false)
	case content.KindTopic:
		f.topic(st, best.ID, false)
	case content.KindPage:
		switch best.ID {
		case content.PageCompare:
			leaveQuiz(st)
			f.compare(st, false)
		case content.PageMyths:
			leaveQuiz(st)
			f.myths(st)
		case content.PageQuiz:
			quizFlow{}.Start(st, "")
		}
	}
	if len(also) > 0 {
		st.send(st.t("search_also"), also)
	}
}

func hitData(h content.Hit) string {
	switch h.Kind {
	case content.KindMethod:
		return methodData(h.ID, h.Section)
	case content.KindMyth:
		return data(cbLearn, learnMyth, h.ID)
	case content.KindTopic:
		return data(cbLearn, learnTopic, h.ID)
	case content.KindPage:
		switch h.ID {
		case content.PageCompare:
			return data(cbLearn, learnCompare)
		case content.PageQuiz:
			return data(cbLearn, learnQuiz)
		}
		return data(cbLearn, learnMyths)
	}
	return data(cbLearn, learnMenu)
}

func (st *step) btnf(key, d string, args ...any) kbbot.Button {
	return kbbot.Button{Label: st.t(key, args...), Data: d}
}

// bookable reports whether some KB serentak still taking bookings offers
// method: only then does a page offer to book it. When the catalog
// cannot be read the button stays; the booking flow then says why.
func bookable(st *step, method string) bool {
	if st.e.svc.Catalog == nil {
		return true
	}
	c, err := st.e.svc.Catalog(st.ctx)
	if err != nil || c == nil {
		return true
	}
	m := booking.Method(method)
	for _, ev := range c.Events() {
		for _, site := range ev.Sites {
			if site.Quota[m] > 0 && site.Open(st.now) {
				return true
			}
		}
	}
	return false
}
