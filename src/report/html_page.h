// One self-contained HTML page: text, tables, collapsible preformatted blocks and Chart.js charts,
// with Chart.js inlined (no network needed to open it). Every text given is escaped, so record
// values and LLM rationales cannot break the page or run script in it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace matchmaker::report {

// Chart.js (Debian libjs-chart.js), embedded at build time (cmake/embed_file.cmake).
std::string_view chart_js_source();

// Text as HTML: & < > " ' escaped.
std::string html_escape(std::string_view text);

// JSON that can sit inside a <script> element: "</" is written "<\/", so no string value can close it.
std::string script_json(const nlohmann::json& value);

class HtmlPage {
 public:
  explicit HtmlPage(std::string title);

  void heading(std::string_view text);    // a section heading
  void paragraph(std::string_view text);  // a paragraph of plain text
  void notice(std::string_view text);     // a paragraph that stands out (a failed run, missing data)
  // A table; every cell is plain text. Rows shorter than the header are padded.
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
  // A Chart.js chart from its configuration ({"type", "data", "options"}).
  void chart(const nlohmann::json& config);
  // A collapsed block: `summary` shown, `text` (preformatted) on a click.
  void details(std::string_view summary, std::string_view text);

  // The whole page.
  std::string render() const;

 private:
  std::string title_;
  std::string body_;
  int charts_ = 0;
};

}  // namespace matchmaker::report
