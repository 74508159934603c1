#include "recipe.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <filesystem>
#include <sstream>

#include "svertka/error.h"

namespace svertka::cli {
namespace {

std::string type_name(RecipeType type) {
  switch (type) {
    case RecipeType::kString:
      return "a string";
    case RecipeType::kInteger:
      return "an integer";
    case RecipeType::kNumber:
      return "a number";
    case RecipeType::kBool:
      return "true or false";
    case RecipeType::kStrings:
      return "an array of strings";
    case RecipeType::kIntegers:
      return "an array of integers";
    case RecipeType::kNumbers:
      return "an array of numbers";
  }
  return "?";
}

std::string node_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

// "[solver] lr", or "model" at the top level.
std::string key_name(std::string_view section, std::string_view key) {
  return section.empty() ? std::string(key) : fmt::format("[{}] {}", section, key);
}

std::string origin(const std::string& path, const toml::source_region& source) {
  return fmt::format("{}:{}", path, source.begin.line);
}

// One scalar as the command line would give it, or nullopt when it is not of `type`.
std::optional<std::string> scalar_text(const toml::node& node, RecipeType type) {
  switch (type) {
    case RecipeType::kString:
    case RecipeType::kStrings:
      if (const auto* s = node.as_string()) return s->get();
      return std::nullopt;
    case RecipeType::kInteger:
    case RecipeType::kIntegers:
      if (const auto* i = node.as_integer()) return std::to_string(i->get());
      return std::nullopt;
    case RecipeType::kNumber:
    case RecipeType::kNumbers:
      if (const auto* i = node.as_integer()) return std::to_string(i->get());
      if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
      return std::nullopt;
    case RecipeType::kBool:
      if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
      return std::nullopt;
  }
  return std::nullopt;
}

bool is_array_type(RecipeType type) {
  return type == RecipeType::kStrings || type == RecipeType::kIntegers ||
         type == RecipeType::kNumbers;
}

std::string known_keys(std::string_view section) {
  std::string known;
  for (const RecipeKey& k : recipe_keys())
    if (k.section == section) known += (known.empty() ? "" : ", ") + std::string(k.key);
  return known;
}

std::string known_sections() {
  std::string known;
  for (const RecipeKey& k : recipe_keys())
    if (!k.section.empty() && known.find("[" + std::string(k.section) + "]") == std::string::npos)
      known += (known.empty() ? "" : ", ") + fmt::format("[{}]", k.section);
  return known;
}

const RecipeKey* find_key(std::string_view section, std::string_view key) {
  for (const RecipeKey& k : recipe_keys())
    if (k.section == section && k.key == key) return &k;
  return nullptr;
}

RecipeEntry read_entry(const std::string& path, std::string_view section, const toml::key& key,
                       const toml::node& node) {
  const std::string where = origin(path, key.source());
  const RecipeKey* known = find_key(section, key.str());
  if (!known) {
    std::string sections;
    for (const RecipeKey& k : recipe_keys())
      if (k.key == key.str())
        sections +=
            (sections.empty() ? "" : " or ") +
            (k.section.empty() ? std::string("the top level") : fmt::format("[{}]", k.section));
    std::string hint = sections.empty() ? "" : " (it belongs in " + sections + ")";
    if (hint.empty())
      hint = section.empty() ? fmt::format("; known: model and the sections {}", known_sections())
                             : fmt::format("; known: {}", known_keys(section));
    throw ParamError(fmt::format("{}: unknown key '{}'{}{}", where, key.str(),
                                 section.empty() ? "" : fmt::format(" in [{}]", section), hint));
  }
  RecipeEntry entry{.key = known, .origin = where};
  std::stringstream written;
  written << toml::node_view<const toml::node>(node);
  entry.text = written.str();
  auto wrong_type = [&] {
    return ParamError(fmt::format("{}: {} expects {}, got {} ({})", where,
                                  key_name(section, key.str()), type_name(known->type),
                                  node_type_name(node), entry.text));
  };
  if (is_array_type(known->type)) {
    const toml::array* array = node.as_array();
    if (!array) throw wrong_type();
    for (const toml::node& element : *array) {
      std::optional<std::string> text = scalar_text(element, known->type);
      if (!text) throw wrong_type();
      entry.values.push_back(std::move(*text));
    }
  } else {
    std::optional<std::string> text = scalar_text(node, known->type);
    if (!text) throw wrong_type();
    entry.values.push_back(std::move(*text));
  }
  return entry;
}

}  // namespace

Recipe load_recipe(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
    throw NotFoundError("no recipe file '" + path + "'");
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw ParamError(fmt::format("{}:{}:{}: not valid TOML: {}", path, e.source().begin.line,
                                 e.source().begin.column, e.description()));
  }
  Recipe recipe{.path = path};
  for (const auto& [key, node] : root) {
    const toml::table* section = node.as_table();
    if (!section) {
      recipe.entries.push_back(read_entry(path, "", key, node));
      continue;
    }
    if (known_keys(key.str()).empty())
      throw ParamError(fmt::format("{}: unknown section [{}]; known: {}",
                                   origin(path, key.source()), key.str(), known_sections()));
    for (const auto& [name, value] : *section) {
      if (value.is_table())
        throw ParamError(fmt::format("{}: [{}] {} is a table; recipes have one level of sections",
                                     origin(path, name.source()), key.str(), name.str()));
      recipe.entries.push_back(read_entry(path, key.str(), name, value));
    }
  }
  return recipe;
}

void apply_recipe(const Recipe& recipe, CLI::App& cmd, RecipeCommand command) {
  for (const RecipeEntry& entry : recipe.entries) {
    const RecipeKey& key = *entry.key;
    if (!(key.commands & command) || entry.values.empty()) continue;
    CLI::Option* option = cmd.get_option_no_throw(key.flag());
    if (!option)
      throw ParamError(fmt::format("{}: {} has no option {} for {}", entry.origin, cmd.get_name(),
                                   key.flag(), key_name(key.section, key.key)));
    if (option->count() > 0) continue;  // given on the command line: it wins
    try {
      option->add_result(entry.values);
      option->run_callback();
    } catch (const CLI::Error& e) {
      throw ParamError(fmt::format("{}: {} = {}: {}", entry.origin, key_name(key.section, key.key),
                                   entry.text, e.what()));
    }
  }
}

std::vector<std::string> shared_command_line(const CLI::App& from, RecipeCommand from_command,
                                             RecipeCommand to) {
  std::vector<std::string> args;
  for (const RecipeKey& key : recipe_keys()) {
    if (!(key.commands & from_command) || !(key.commands & to)) continue;
    const CLI::Option* option = from.get_option_no_throw(key.flag());
    if (!option || option->count() == 0) continue;
    std::string joined;
    for (const std::string& value : option->results())
      joined += (joined.empty() ? "" : ",") + value;
    args.push_back(key.flag());
    args.push_back(joined);
  }
  return args;
}

std::string shell_command(const std::vector<std::string>& args) {
  std::string line;
  for (const std::string& arg : args) {
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-_.,/:=+@%") == std::string::npos;
    std::string quoted = arg;
    if (!plain) {
      quoted = "'";
      for (char ch : arg) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
      quoted += "'";
    }
    line += (line.empty() ? "" : " ") + quoted;
  }
  return line;
}

}  // namespace svertka::cli
