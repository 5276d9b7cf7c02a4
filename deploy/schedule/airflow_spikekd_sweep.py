"""Airflow DAG: keep a SpikeKD sweep going and publish its report.

Each run submits the sweep with spark-submit (through deploy/submit, which adds SpikeKD's jar,
conf/spark-defaults.conf and JVM flags). Running the same command again is what continues a
sweep: a launch that finds it running elsewhere does nothing, one that finds it stopped
continues it, one that finds it done only reports. So the DAG can run on a schedule, retry
freely, and be cleared and re-run.

Airflow Variables: spikekd_home (the checkout, built), spark_master (e.g. yarn or
spark://host:7077), spikekd_sweep_spec (a spec path relative to spikekd_home).
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

SUBMIT = (
    "cd {{ var.value.spikekd_home }} && "
    "deploy/submit --master {{ var.value.spark_master }} -- "
)

with DAG(
    dag_id="spikekd_sweep",
    start_date=datetime(2026, 1, 1),
    schedule=timedelta(minutes=30),
    catchup=False,
    max_active_runs=1,  # a second launch would only find the sweep leased and exit
    default_args={"retries": 3, "retry_delay": timedelta(minutes=5)},
    tags=["spikekd"],
) as dag:
    sweep = BashOperator(
        task_id="run_or_continue_sweep",
        bash_command=SUBMIT + "sweep --spec {{ var.value.spikekd_sweep_spec }}",
        execution_timeout=timedelta(hours=12),
    )
    # --report needs no Spark: run the launcher on the Airflow worker
    report = BashOperator(
        task_id="report",
        bash_command=(
            "cd {{ var.value.spikekd_home }} && "
            "deploy/spikekd sweep --report {{ var.value.spikekd_sweep_spec }}"
        ),
    )
    sweep >> report
