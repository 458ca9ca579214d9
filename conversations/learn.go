package conversations

import (
	"strconv"

	"github.com/kbbot/kbbot"
	"github.com/kbbot/kbbot/content"
)

// Education callback data, all under the "e" action:
//
//	e:menu              the education menu
//	e:m:<code>          a method's overview
//	e:m:<code>:<sec>    one section of a method page
//	e:cmp               methods side by side
//	e:myths             the list of myths;  e:y:<id> one myth
//	e:t:<id>            a topic page
//	e:src[:<n>]         the sources, page n
//	e:quiz              start the method quiz
//	e:qa:<nonce>:<opt>  answer the current quiz question
//	e:bk:<code>         book the method at a KB serentak
const (
	learnMenu    = "menu"
	learnMethod  = "m"
	learnCompare = "cmp"
	learnMyths   = "myths"
	learnMyth    = "y"
	learnTopic   = "t"
	learnSources = "src"
	learnQuiz    = "quiz"
	learnAnswer  = "qa"
	learnBook    = "bk"
)

// flowQuiz is the "Pilih metode" quiz; Step holds the question index.
const flowQuiz = "quiz"

func (st *step) learnMenu() {
	lib := st.e.lib
	var rows [][]kbbot.Button
	methods := lib.Methods()
	for i := 0; i < len(methods); i += 2 {
		row := []kbbot.Button{{Label: methods[i].Name.In(st.lang()), Data: data(cbLearn, learnMethod, methods[i].Code)}}
		if i+1 < len(methods) {
			row = append(row, kbbot.Button{Label: methods[i+1].Name.In(st.lang()), Data: data(cbLearn, learnMethod, methods[i+1].Code)})
		}
		rows = append(rows, row)
	}
	rows = append(rows,
		[]kbbot.Button{st.pageButton(content.PageQuiz, data(cbLearn, learnQuiz))},
		[]kbbot.Button{st.pageButton(content.PageCompare, data(cbLearn, learnCompare)), st.pageButton(content.PageMyths, data(cbLearn, learnMyths))},
	)
	for _, tp := range lib.Topics() {
		rows = append(rows, []kbbot.Button{{Label: tp.Title.In(st.lang()), Data: data(cbLearn, learnTopic, tp.ID)}})
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_sources", data(cbLearn, learnSources)), st.btn("btn_menu", data(cbMenu))})
	st.show(st.t("learn_title"), rows)
}

func (st *step) pageButton(id, d string) kbbot.Button {
	title, err := st.e.lib.PageTitle(id)
	if err != nil {
		return kbbot.Button{Label: id, Data: d}
	}
	return kbbot.Button{Label: title.In(st.lang()), Data: d}
}

// learn routes the education buttons. Unknown ids are expired buttons.
func (st *step) learn(args []string) {
	lib, lang := st.e.lib, st.lang()
	if args[0] != learnAnswer && st.s.Flow == flowQuiz {
		st.s.resetFlow()
	}
	switch args[0] {
	case learnMenu:
		st.learnMenu()
	case learnMethod:
		if len(args) < 2 {
			st.expired()
			return
		}
		section := content.SectionOverview
		if len(args) == 3 {
			section = args[2]
		}
		st.methodPage(args[1], section)
	case learnCompare:
		st.show(lib.ComparePage(lang), st.backToLearn())
	case learnMyths:
		var rows [][]kbbot.Button
		for i, m := range lib.Myths() {
			rows = append(rows, []kbbot.Button{{Label: strconv.Itoa(i+1) + ". " + m.Title.In(lang), Data: data(cbLearn, learnMyth, m.ID)}})
		}
		st.show(lib.MythsPage(lang), append(rows, st.backToLearn()...))
	case learnMyth:
		if len(args) != 2 {
			st.expired()
			return
		}
		page, err := lib.MythPage(args[1], lang)
		if err != nil {
			st.expired()
			return
		}
		myth, _ := lib.Myth(args[1])
		var rows [][]kbbot.Button
		for _, code := range myth.Methods {
			if m, ok := lib.Method(code); ok {
				rows = append(rows, []kbbot.Button{{Label: m.Name.In(lang), Data: data(cbLearn, learnMethod, code)}})
			}
		}
		rows = append(rows, []kbbot.Button{st.pageButton(content.PageMyths, data(cbLearn, learnMyths))})
		st.show(page, append(rows, st.backToLearn()...))
	case learnTopic:
		if len(args) != 2 {
			st.expired()
			return
		}
		st.topicPage(args[1])
	case learnSources:
		pages := lib.SourcesPages(lang)
		i := 0
		if len(args) == 2 {
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 0 || n >= len(pages) {
				st.expired()
				return
			}
			i = n
		}
		rows := st.backToLearn()
		if i+1 < len(pages) {
			rows = append([][]kbbot.Button{{st.btnf("btn_more", data(cbLearn, learnSources, strconv.Itoa(i+1)), i+2, len(pages))}}, rows...)
		}
		st.show(pages[i], rows)
	case learnQuiz:
		st.startQuiz()
	case learnAnswer:
		if len(args) != 3 {
			st.expired()
			return
		}
		st.answerQuiz(args[1], args[2])
	case learnBook:
		if len(args) != 2 {
			st.expired()
			return
		}
		if _, ok := lib.Method(args[1]); !ok {
			st.expired()
			return
		}
		st.bookMethod(args[1])
	default:
		st.expired()
	}
}

// methodPage shows one section of a method, with buttons to the other
// sections, the "bidan decides" note, booking and the menu.
func (st *step) methodPage(code, section string) {
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
			secRow = append(secRow, st.btn("section_"+s, data(cbLearn, learnMethod, code, s)))
		}
	}
	rows = append(rows, secRow)
	rows = append(rows, []kbbot.Button{st.btn("btn_bidan_note", data(cbLearn, learnTopic, content.NoteTopicID))})
	for _, id := range m.Myths {
		if my, ok := lib.Myth(id); ok {
			rows = append(rows, []kbbot.Button{{Label: "💬 " + my.Title.In(lang), Data: data(cbLearn, learnMyth, id)}})
		}
	}
	rows = append(rows, []kbbot.Button{st.btnf("btn_book_method", data(cbLearn, learnBook, code), m.Name.In(lang))})
	st.show(page, append(rows, st.backToLearn()...))
}

func (st *step) topicPage(id string) {
	lib, lang := st.e.lib, st.lang()
	page, err := lib.TopicPage(id, lang)
	if err != nil {
		st.expired()
		return
	}
	tp, _ := lib.Topic(id)
	var rows [][]kbbot.Button
	for _, code := range tp.Methods {
		if m, ok := lib.Method(code); ok {
			rows = append(rows, []kbbot.Button{{Label: m.Name.In(lang), Data: data(cbLearn, learnMethod, code)}})
		}
	}
	for _, tid := range tp.Topics {
		if t, ok := lib.Topic(tid); ok {
			rows = append(rows, []kbbot.Button{{Label: t.Title.In(lang), Data: data(cbLearn, learnTopic, tid)}})
		}
	}
	for _, mid := range tp.Myths {
		if my, ok := lib.Myth(mid); ok {
			rows = append(rows, []kbbot.Button{{Label: "💬 " + my.Title.In(lang), Data: data(cbLearn, learnMyth, mid)}})
		}
	}
	st.show(page, append(rows, st.backToLearn()...))
}

func (st *step) backToLearn() [][]kbbot.Button {
	return [][]kbbot.Button{{st.btn("btn_learn_menu", data(cbLearn, learnMenu)), st.btn("btn_menu", data(cbMenu))}}
}

// startQuiz begins "Pilih metode". Answers are kept only for the length of
// the quiz and are not personal data that outlives it.
func (st *step) startQuiz() {
	st.s.Flow, st.s.Step, st.s.Nonce, st.s.Data = flowQuiz, "0", st.e.nonce(), nil
	st.askQuiz(0)
}

func (st *step) askQuiz(i int) {
	qs := st.e.lib.Quiz()
	q := qs[i]
	var rows [][]kbbot.Button
	for _, o := range q.Options {
		rows = append(rows, []kbbot.Button{{Label: o.Text.In(st.lang()), Data: data(cbLearn, learnAnswer, st.s.Nonce, o.Code)}})
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_quiz_stop", data(cbLearn, learnMenu))})
	head := st.t("quiz_progress", i+1, len(qs))
	st.show(head+"\n\n"+st.local(q.Text), rows)
}

func (st *step) answerQuiz(nonce, opt string) {
	if st.s.Flow != flowQuiz || nonce != st.s.Nonce {
		st.expired()
		return
	}
	qs := st.e.lib.Quiz()
	i, err := strconv.Atoi(st.s.Step)
	if err != nil || i < 0 || i >= len(qs) {
		st.expired()
		return
	}
	valid := false
	for _, o := range qs[i].Options {
		valid = valid || o.Code == opt
	}
	if !valid {
		st.expired()
		return
	}
	st.s.set(qs[i].ID, opt)
	if i+1 < len(qs) {
		st.s.Step = strconv.Itoa(i + 1)
		st.askQuiz(i + 1)
		return
	}
	recs := st.e.lib.Recommend(st.s.Data)
	st.s.resetFlow()
	var rows [][]kbbot.Button
	for _, r := range recs {
		rows = append(rows, []kbbot.Button{
			{Label: r.Name.In(st.lang()), Data: data(cbLearn, learnMethod, r.Method)},
			st.btnf("btn_book_short", data(cbLearn, learnBook, r.Method)),
		})
	}
	rows = append(rows, []kbbot.Button{st.btn("btn_bidan_note", data(cbLearn, learnTopic, content.NoteTopicID))})
	st.show(st.e.lib.RecommendationPage(recs, st.lang()), append(rows, st.backToLearn()...))
}

// bookMethod starts booking for a method chosen from education.
func (st *step) bookMethod(code string) {
	bookFlow{}.Start(st, code)
}

// search answers a free-text question from the education content: the best
// match is shown at once, with the other matches as buttons. A question
// with no good match gets the topic menu and how to reach a health worker;
// the bot never invents an answer.
func (st *step) search(q string) {
	lib, lang := st.e.lib, st.lang()
	hits := lib.Search(q, lang)
	if len(hits) == 0 {
		st.send(lib.NoMatchPage(lang), nil)
		st.learnMenu()
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
		st.methodPage(best.ID, best.Section)
	case content.KindMyth:
		st.learn([]string{learnMyth, best.ID})
	case content.KindTopic:
		st.topicPage(best.ID)
	case content.KindPage:
		switch best.ID {
		case content.PageCompare:
			st.learn([]string{learnCompare})
		case content.PageMyths:
			st.learn([]string{learnMyths})
		case content.PageQuiz:
			st.learn([]string{learnQuiz})
		}
	}
	if len(also) > 0 {
		st.send(st.t("search_also"), also)
	}
}

func hitData(h content.Hit) string {
	switch h.Kind {
	case content.KindMethod:
		if h.Section != "" && h.Section != content.SectionOverview {
			return data(cbLearn, learnMethod, h.ID, h.Section)
		}
		return data(cbLearn, learnMethod, h.ID)
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
