# Sourced by the deploy scripts: the Spark line they work with, SPIKEKD_SPARK = 3.5 (the default,
# Scala 2.12) or 4.0 (Scala 2.13; the build's -Pspark-4.0). Sets spark_line, scala_version,
# maven_profile (mvn arguments), target_dir (a module's build directory, relative to it) and
# app_jar_name (the application jar's base name), as the parent pom's spark-4.0 profile has them.
spark_line="${SPIKEKD_SPARK:-3.5}"
case "$spark_line" in
  3.5) scala_version=2.12; maven_profile=(); target_dir=target; app_jar_name=spikekd-app ;;
  4.0) scala_version=2.13; maven_profile=(-Pspark-4.0); target_dir=target/spark-4.0; app_jar_name=spikekd-app-spark4.0 ;;
  *) echo "$(basename "$0"): SPIKEKD_SPARK=$spark_line is not a Spark line SpikeKD builds for; use 3.5 or 4.0" >&2
     exit 2 ;;
esac
