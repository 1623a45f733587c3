#include "matchmaker/error.h"
#include "teacher/teacher.h"
#include "teacher/unsupervised_teacher.h"

namespace matchmaker::teacher {

std::unique_ptr<Teacher> make_teacher(const std::string& spec) {
  if (spec == UnsupervisedTeacher::kSpec) return std::make_unique<UnsupervisedTeacher>();
  throw InputError("unknown teacher '" + spec + "'; valid teachers: unsupervised, none");
}

}  // namespace matchmaker::teacher
