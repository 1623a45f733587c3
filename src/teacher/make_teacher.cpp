#include "matchmaker/error.h"
#include "teacher/replay_teacher.h"
#include "teacher/teacher.h"
#include "teacher/unsupervised_teacher.h"

namespace matchmaker::teacher {

std::unique_ptr<Teacher> make_teacher(const std::string& spec, const TeacherOptions& options) {
  if (spec == UnsupervisedTeacher::kSpec) return std::make_unique<UnsupervisedTeacher>();
  if (spec.rfind("replay:", 0) == 0) {
    std::vector<std::string> files;
    std::string rest = spec.substr(7);
    for (std::size_t start = 0; start <= rest.size();) {
      const std::size_t comma = std::min(rest.find(',', start), rest.size());
      if (comma > start) files.push_back(rest.substr(start, comma - start));
      start = comma + 1;
    }
    return std::make_unique<ReplayTeacher>(spec, std::move(files), options.replay_gold);
  }
  throw InputError("unknown teacher '" + spec + "'; valid teachers: unsupervised, replay:FILE[,FILE...], none");
}

}  // namespace matchmaker::teacher
