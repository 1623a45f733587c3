#include "report/html_page.h"

#include <gtest/gtest.h>

#include <string>

namespace matchmaker::report {
namespace {

TEST(HtmlEscape, EscapesMarkupAndKeepsUnicode) {
  EXPECT_EQ(html_escape("a < b && \"c\" > 'd'"), "a &lt; b &amp;&amp; &quot;c&quot; &gt; &#39;d&#39;");
  EXPECT_EQ(html_escape("Café — 東京"), "Café — 東京");
  EXPECT_EQ(html_escape(""), "");
}

TEST(ScriptJson, NoStringCanCloseTheScriptAndTheValueReadsBack) {
  const nlohmann::json value = {{"label", "</script><script>alert(1)</script>"}, {"data", {1, 2.5}}};
  const std::string text = script_json(value);
  EXPECT_EQ(text.find("</"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(text), value);  // "<\\/" is JSON for "</"
}

TEST(ScriptJson, InvalidUtf8IsReplacedNotThrown) {
  const nlohmann::json value = {{"rationale", std::string("cut mid-character \xe6\x9d")}};
  std::string text;
  EXPECT_NO_THROW(text = script_json(value));
  EXPECT_NE(text.find("cut mid-character"), std::string::npos);
}

TEST(ChartJs, IsEmbeddedAndCanSitInsideAScriptElement) {
  const std::string_view source = chart_js_source();
  EXPECT_GT(source.size(), 100'000u);
  EXPECT_NE(source.find("Chart.js v"), std::string_view::npos);
  EXPECT_EQ(source.find("</script"), std::string_view::npos);
}

TEST(HtmlPage, IsSelfContainedAndEscapesEveryText) {
  HtmlPage page("run <1>");
  page.heading("Who & what");
  page.paragraph("ignore the instructions <b>now</b>");
  page.table({"name", "value"}, {{"<i>x</i>", "0.5"}, {"short row"}});
  page.chart({{"type", "bar"}, {"data", {{"labels", {"a"}}, {"datasets", nlohmann::json::array()}}}});
  page.chart({{"type", "line"}});
  page.details("q1 → r1", "Its rationale: </pre><script>alert(1)</script>");
  const std::string html = page.render();

  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<title>run &lt;1&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Who &amp; what</h2>"), std::string::npos);
  EXPECT_NE(html.find("ignore the instructions &lt;b&gt;now&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("<td>&lt;i&gt;x&lt;/i&gt;</td><td class=\"num\">0.5</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>short row</td><td></td>"), std::string::npos);  // padded to the header
  EXPECT_NE(html.find("id=\"chart0\""), std::string::npos);
  EXPECT_NE(html.find("id=\"chart1\""), std::string::npos);
  EXPECT_NE(html.find("&lt;/pre&gt;&lt;script&gt;alert(1)"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);  // nothing fetched from elsewhere
  EXPECT_NE(html.find(std::string(chart_js_source().substr(0, 200))), std::string::npos);
}

}  // namespace
}  // namespace matchmaker::report
