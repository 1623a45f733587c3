// One message of an OpenAI-style chat: what prompts are made of and what the chat client sends.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace matchmaker::teacher {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

// JSON form of the OpenAI chat "messages" array: nlohmann::json(messages).
inline void to_json(nlohmann::json& json, const ChatMessage& message) {
  json = {{"role", message.role}, {"content", message.content}};
}

}  // namespace matchmaker::teacher
