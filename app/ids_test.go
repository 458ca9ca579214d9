package app_test

import "github.com/kbbot/kbbot"

func chatID(id int64) kbbot.ChatID { return kbbot.ChatID(id) }
