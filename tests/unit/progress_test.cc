// The progress bar's figures: fraction, rate and ETA from the units it timed itself.
#include "progress.h"

#include <gtest/gtest.h>

namespace svertka::cli {
namespace {

TEST(Progress, RateAndEtaComeFromTheTimedUnits) {
  // 40 of 100 images; the 30 timed ones took 1.5 s: 20 img/s, 60 left: 3 s.
  const std::string line = progress_line("eval", "img", 40, 100, 30, 1.5, "");
  EXPECT_NE(line.find(" 40.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("20 img/s ETA 3s"), std::string::npos) << line;
  EXPECT_EQ(line.find("##########"), std::string::npos) << line;  // 24 * 0.4 = 9 filled
  EXPECT_NE(line.find("[#########..."), std::string::npos) << line;
}

TEST(Progress, BeforeAnythingIsTimedRateAndEtaAreUnknown) {
  const std::string line = progress_line("train", "img", 6400, 64000, 0, 0, "epoch 2/10");
  EXPECT_NE(line.find("10.0% ? img/s epoch 2/10 ETA ?"), std::string::npos) << line;
}

TEST(Progress, DurationsReadAsHoursMinutesSeconds) {
  EXPECT_EQ(format_duration(12.4), "12s");
  EXPECT_EQ(format_duration(185), "3m05s");
  EXPECT_EQ(format_duration(3720), "1h02m");
  EXPECT_EQ(format_duration(-1), "?");
}

}  // namespace
}  // namespace svertka::cli
