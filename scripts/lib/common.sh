# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Shared by every script (sourced, not run): the repository root, the JVM flags a Spark JVM started by plain `java`
# needs, the app jar (built when missing or stale), Spark's classpath from Maven (resolved once, cached under
# target/), the classpaths of the benchmarks and tools that live beside the tests (core's, spark-trainer's), a usage
# printer and Debian installs (python3-torch). Needs only Java 17 and Maven; the Debian parts need apt-get.
#
# Environment overrides (the end-to-end test uses them so that it never runs Maven inside Maven):
#   KINDLING_APP_JAR               app jar to submit instead of app/target/kindling-app.jar (never rebuilt)
#   KINDLING_SPARK_CLASSPATH_FILE  file holding Spark's classpath (one line, ':'-separated) instead of the cached one
#   JAVA_HOME                      the JDK to use (else `java` on the PATH)

KINDLING_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KINDLING_APP_MAIN=dev.kindling.app.Main

die() {
  echo "error: $*" >&2
  exit 1
}

# The java launcher: $JAVA_HOME/bin/java, else java from the PATH.
java_bin() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || die "java not found: install Java 17 or set JAVA_HOME"
  fi
}

# Fills the array SPARK_JVM_FLAGS with the flags of the root pom's <test.jvm.flags> (all but -Xmx): Spark's
# --add-opens list (its JavaModuleOptions), --add-modules=jdk.incubator.vector and the two -D flags. The list lives
# once, in the root pom, and is read from there so the tests and the scripts cannot drift apart.
load_spark_jvm_flags() {
  local pom="$KINDLING_ROOT/pom.xml" block flag
  block="$(sed -n '/<test\.jvm\.flags>/,/<\/test\.jvm\.flags>/p' "$pom" | sed -e 's/<[^>]*>/ /g')"
  SPARK_JVM_FLAGS=()
  for flag in $block; do
    [[ $flag == -Xmx* ]] || SPARK_JVM_FLAGS+=("$flag")
  done
  [[ " ${SPARK_JVM_FLAGS[*]} " == *" --add-opens=java.base/sun.nio.ch=ALL-UNNAMED "* ]] ||
    die "could not read Spark's --add-opens flags from <test.jvm.flags> in $pom (got: ${SPARK_JVM_FLAGS[*]:-nothing})"
}

# Prints the path of the app jar, building it first (mvn -pl app -am package -DskipTests) when it is missing or
# older than any source or pom of core, spark-trainer and app. KINDLING_APP_JAR, when set, is used as it is.
app_jar() {
  if [[ -n ${KINDLING_APP_JAR:-} ]]; then
    [[ -f $KINDLING_APP_JAR ]] || die "KINDLING_APP_JAR=$KINDLING_APP_JAR: no such file"
    echo "$KINDLING_APP_JAR"
    return
  fi
  local jar="$KINDLING_ROOT/app/target/kindling-app.jar" stale=""
  if [[ ! -f $jar ]]; then
    stale="missing"
  else
    stale="$(cd "$KINDLING_ROOT" && find pom.xml core/pom.xml spark-trainer/pom.xml app/pom.xml \
      core/src/main spark-trainer/src/main app/src/main -newer "$jar" -print -quit 2>/dev/null)"
    [[ -z $stale ]] || stale="older than $stale"
  fi
  if [[ -n $stale ]]; then
    echo "Building app/target/kindling-app.jar ($stale): mvn -q -pl app -am package -DskipTests" >&2
    # (Maven 3.8 prints stray colour resets even with -B; drop them.)
    (cd "$KINDLING_ROOT" && mvn -q -B -pl app -am package -DskipTests 2>&1 | sed -e 's/\x1b\[0m//g' >&2) ||
      die "the app build failed (see above)"
    [[ -f $jar ]] || die "the build succeeded but made no $jar (is the shade plugin's finalName kindling-app?)"
  fi
  echo "$jar"
}

# Prints Spark's runtime classpath (':'-separated): Spark 4.1 core, sql and mllib with their dependencies, as a Spark
# distribution's jars/ folder has them, resolved by Maven from scripts/lib/spark-pom.xml (versions from the root
# pom) and cached in target/spark-classpath.txt until a pom changes. KINDLING_SPARK_CLASSPATH_FILE overrides it.
spark_classpath() {
  local file="${KINDLING_SPARK_CLASSPATH_FILE:-}"
  if [[ -n $file ]]; then
    [[ -s $file ]] || die "KINDLING_SPARK_CLASSPATH_FILE=$file: missing or empty"
  else
    file="$KINDLING_ROOT/target/spark-classpath.txt"
    local pom="$KINDLING_ROOT/scripts/lib/spark-pom.xml"
    if [[ ! -s $file || $pom -nt $file || $KINDLING_ROOT/pom.xml -nt $file ]]; then
      echo "Resolving Spark's classpath with Maven (once; cached in target/spark-classpath.txt) ..." >&2
      mkdir -p "$KINDLING_ROOT/target"
      (cd "$KINDLING_ROOT" && mvn -q -B -f "$pom" dependency:build-classpath -DincludeScope=runtime \
        -Dmdep.outputFile="$file.tmp" 2>&1 | sed -e 's/\x1b\[0m//g' >&2) || die "resolving Spark's classpath failed: mvn -f $pom dependency:build-classpath"
      mv -f "$file.tmp" "$file"
    fi
  fi
  local cp
  cp="$(<"$file")"
  [[ $cp == *spark-core_2.13-* ]] || die "$file does not hold Spark's classpath (no spark-core_2.13 jar in it)"
  echo "$cp"
}

# Prints the value of KEY in a Java properties file (Spark's spark-defaults.conf syntax: KEY VALUE or KEY=VALUE),
# or nothing.
property_value() {
  local file="$1" key="$2"
  [[ -f $file ]] || return 0
  sed -nE "s/^[[:space:]]*${key//./\\.}[[:space:]=:]+(.*[^[:space:]])[[:space:]]*$/\1/p" "$file" | tail -n 1
}

# Runs org.apache.spark.deploy.SparkSubmit in this shell's process (exec) through plain `java`: Spark's classpath,
# SPARK_JVM_FLAGS and log4j2 configured for this JVM. The driver runs in this JVM (client deploy mode), so the
# driver options spark-submit's launcher would turn into JVM flags are applied here: DRIVER_MEMORY (-Xmx),
# DRIVER_JAVA_OPTIONS (the value of spark.driver.extraJavaOptions, read by the caller: Spark would see it too late
# for a JVM that is already running) and conf/log4j2.properties (-Dlog4j2.configurationFile, the property log4j 2
# reads). JAVA_OPTS is appended.
exec_spark_submit() {
  local java cp log4j=() memory=()
  java="$(java_bin)"
  cp="$(spark_classpath)"
  load_spark_jvm_flags
  if [[ -f $KINDLING_ROOT/conf/log4j2.properties ]]; then
    log4j=("-Dlog4j2.configurationFile=$KINDLING_ROOT/conf/log4j2.properties")
  fi
  [[ -z ${DRIVER_MEMORY:-} ]] || memory=("-Xmx$DRIVER_MEMORY")
  # In local mode the tasks run in this JVM, one per core: one BLAS thread each (docs/performance.md). On a
  # cluster the executors get it from spark.executorEnv in conf/spark-defaults.conf.
  export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
  # shellcheck disable=SC2086  # DRIVER_JAVA_OPTIONS and JAVA_OPTS are lists of flags
  exec "$java" "${memory[@]}" "${SPARK_JVM_FLAGS[@]}" ${DRIVER_JAVA_OPTIONS:-} "${log4j[@]}" ${JAVA_OPTS:-} \
    -cp "$cp" org.apache.spark.deploy.SparkSubmit "$@"
}

# The script that sourced this file, as an absolute path (so it can be read after a cd).
KINDLING_SCRIPT="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

# With --help (or -h) as $1, prints the running script's header comment (from its third line to the first line that
# is not a comment) and exits: every script documents its usage there, once.
usage_if_asked() {
  [[ ${1:-} == --help || ${1:-} == -h ]] || return 0
  sed -n '3,/^[^#]/p' "$KINDLING_SCRIPT" | sed -e '/^[^#]/d' -e 's/^# \{0,1\}//'
  exit 0
}

# Prints the classpath of core's classes for running CLASS (a class name such as dev.kindling.core.bench.StepBench):
# with SCOPE test, core/target/test-classes (where the one-JVM benchmarks and tools live), core/target/classes and
# core's test dependencies; with SCOPE runtime, core/target/classes and its runtime dependencies. Compiles first when
# CLASS's class file is missing or older than a source or pom of core; the dependencies are cached in
# core/target/bench-classpath.txt (test) or core/target/runtime-classpath.txt (runtime) until a pom changes.
core_classpath() {
  local scope="$1" class="$2" classes goal cp_file sources
  case "$scope" in
    test) classes=test-classes goal=test-compile cp_file=bench-classpath.txt sources=core/src ;;
    runtime) classes=classes goal=compile cp_file=runtime-classpath.txt sources=core/src/main ;;
    *) die "core_classpath: scope '$scope' is neither test nor runtime" ;;
  esac
  local class_file="$KINDLING_ROOT/core/target/$classes/${class//.//}.class"
  cp_file="$KINDLING_ROOT/core/target/$cp_file"
  if [[ ! -f $class_file || -n "$(cd "$KINDLING_ROOT" && find $sources core/pom.xml pom.xml -newer "$class_file" -print -quit)" ]]; then
    (cd "$KINDLING_ROOT" && mvn -q -B -pl core -am "$goal" >&2) || die "mvn -pl core -am $goal failed (see above)"
  fi
  if [[ ! -s $cp_file || $KINDLING_ROOT/core/pom.xml -nt $cp_file || $KINDLING_ROOT/pom.xml -nt $cp_file ]]; then
    (cd "$KINDLING_ROOT" && mvn -q -B -pl core dependency:build-classpath -DincludeScope="$scope" \
      -Dmdep.outputFile="$cp_file" >&2) || die "resolving core's $scope classpath failed (see above)"
  fi
  [[ $scope == runtime ]] || echo -n "$KINDLING_ROOT/core/target/test-classes:"
  echo "$KINDLING_ROOT/core/target/classes:$(<"$cp_file")"
}

# Prints the classpath of spark-trainer's test classes (its Spark benchmarks and examples) in the checkout DIR
# (default this one), after one reactor build that compiles core and spark-trainer and writes each module's test
# classpath to its target/bench-classpath.txt (kindling-core resolves to core/target/classes within the reactor, so
# nothing needs to be installed in ~/.m2).
spark_trainer_classpath() {
  local dir="${1:-$KINDLING_ROOT}"
  (cd "$dir" && mvn -q -B -pl spark-trainer -am test-compile dependency:build-classpath -DskipTests \
    -DincludeScope=test -Dmdep.outputFile=target/bench-classpath.txt >&2) ||
    die "building spark-trainer's tests in $dir failed (see above)"
  echo "$dir/spark-trainer/target/test-classes:$dir/spark-trainer/target/classes:$dir/core/target/classes:$(<"$dir/spark-trainer/target/bench-classpath.txt")"
}

# Installs Debian packages (as root, else through sudo), quietly, after refreshing the package lists.
apt_install() {
  local sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "$@" >&2
}

# Debian's interpreter, with python3-torch installed into its dist-packages when it is missing (once).
PYTHON=/usr/bin/python3
require_torch() {
  if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
    echo "installing Debian's python3-torch (once; needs root or sudo) ..." >&2
    apt_install python3-torch
  fi
}
