#include "report/html_page.h"

#include <fmt/format.h>

namespace matchmaker::report {
namespace {

constexpr std::string_view kStyle = R"css(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px;
       padding: 0 1rem; color: #1d2433; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #d8dde6; padding-bottom: 0.3rem; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #d8dde6; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f2f4f8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.notice { background: #fff4e5; border-left: 4px solid #e8900c; padding: 0.5rem 0.8rem; }
.chart { position: relative; height: 300px; margin: 0.8rem 0; }
details { margin: 0.3rem 0; }
summary { cursor: pointer; }
pre { background: #f6f8fa; padding: 0.6rem; overflow-x: auto; white-space: pre-wrap; font-size: 0.85rem; }
)css";

// A cell that reads as a number is right-aligned.
bool looks_numeric(std::string_view cell) {
  if (cell.empty()) return false;
  for (const char c : cell) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == ',' || c == '-' || c == '+' || c == '%' || c == ' ')) return false;
  }
  return true;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string script_json(const nlohmann::json& value) {
  // Invalid UTF-8 (an LLM's text cut mid-character) is replaced rather than thrown on.
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (std::size_t idx = 0; idx < text.size(); ++idx) {
    out += text[idx];
    if (text[idx] == '<' && idx + 1 < text.size() && text[idx + 1] == '/') out += '\\';
  }
  return out;
}

HtmlPage::HtmlPage(std::string title) : title_(std::move(title)) {}

void HtmlPage::heading(std::string_view text) { body_ += "<h2>" + html_escape(text) + "</h2>\n"; }

void HtmlPage::paragraph(std::string_view text) { body_ += "<p>" + html_escape(text) + "</p>\n"; }

void HtmlPage::notice(std::string_view text) { body_ += "<p class=\"notice\">" + html_escape(text) + "</p>\n"; }

void HtmlPage::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  body_ += "<table>\n<tr>";
  for (const auto& cell : header) body_ += "<th>" + html_escape(cell) + "</th>";
  body_ += "</tr>\n";
  for (const auto& row : rows) {
    body_ += "<tr>";
    for (std::size_t column = 0; column < std::max(header.size(), row.size()); ++column) {
      const std::string cell = column < row.size() ? row[column] : "";
      body_ += (looks_numeric(cell) ? "<td class=\"num\">" : "<td>") + html_escape(cell) + "</td>";
    }
    body_ += "</tr>\n";
  }
  body_ += "</table>\n";
}

void HtmlPage::chart(const nlohmann::json& config) {
  const int id = charts_++;
  body_ += fmt::format("<div class=\"chart\"><canvas id=\"chart{}\"></canvas></div>\n", id);
  body_ += fmt::format("<script>new Chart(document.getElementById('chart{}'), {});</script>\n", id, script_json(config));
}

void HtmlPage::details(std::string_view summary, std::string_view text) {
  body_ += "<details><summary>" + html_escape(summary) + "</summary><pre>" + html_escape(text) + "</pre></details>\n";
}

std::string HtmlPage::render() const {
  std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += "<title>" + html_escape(title_) + "</title>\n<style>" + std::string(kStyle) + "</style>\n";
  // Chart.js first, so every chart's script below can use it; charts keep a fixed box size.
  page += "<script>" + std::string(chart_js_source()) + "</script>\n";
  page += "<script>Chart.defaults.maintainAspectRatio = false; Chart.defaults.animation = false;</script>\n";
  page += "</head>\n<body>\n<h1>" + html_escape(title_) + "</h1>\n" + body_ + "</body>\n</html>\n";
  return page;
}

}  // namespace matchmaker::report
