package fakeopenai

// AskAnswer answers a question to the @ask bot in the JSON it asks for:
// {"answer": answer, "draw": draw} (draw "" when no picture is wanted).
func AskAnswer(answer, draw string) Reply {
	return ChatJSON(map[string]string{"answer": answer, "draw": draw})
}
