"""The teacher's control on the Runs page: with the password from CLOCKWORK_TEACHER_PASSWORD, clear the queue
and stop the running run of any student. Off (and says so) when no password is set."""

from __future__ import annotations

import streamlit as st

from core.runs import classroom, jobs

PASSWORD_KEY = "teacher_password"


def teacher_unlocked(limits: classroom.ClassroomLimits) -> bool:
    """Ask for the password; True once the right one is typed (kept for this browser session only)."""
    given = st.text_input("Teacher password", type="password", key=PASSWORD_KEY)
    if not given:
        return False
    if not classroom.teacher_password_ok(given, limits):
        st.error("That is not the teacher password.", icon=":material/lock:")
        return False
    return True


def draw_teacher_actions() -> None:
    """Clear the queue, and stop the running run, with what each button would touch."""
    active = jobs.queue()
    waiting = [info for info in active if info.state == "queued"]
    running = [info for info in active if info.state == "running"]
    left, right = st.columns(2)
    if left.button(
        f"Clear the queue ({len(waiting)} waiting)",
        key="teacher_clear",
        icon=":material/clear_all:",
        disabled=not waiting,
        width="stretch",
    ):
        cleared = jobs.clear_queue()
        st.toast(f"Cancelled {len(cleared)} waiting run(s).", icon=":material/clear_all:")
        st.rerun()
    label = f"Stop {running[0].name}" if running else "Nothing is training"
    if right.button(label, key="teacher_stop", icon=":material/stop:", disabled=not running, width="stretch"):
        for info in running:
            jobs.cancel(info.run_id)
        st.toast("Stopping the running run.", icon=":material/stop_circle:")
        st.rerun()


def draw_teacher_section() -> None:
    """The "Teacher" expander: the limits in force, then the password-guarded queue controls."""
    with st.expander("Teacher", icon=":material/school:"):
        try:
            limits = classroom.limits_from_env()
        except classroom.ClassroomLimitError as error:
            st.error(f"The classroom settings are wrong: {error}", icon=":material/error:")
            return
        st.caption(classroom.describe(limits))
        if not limits.teacher_control:
            st.info(
                "The teacher control is off: start the app with CLOCKWORK_TEACHER_PASSWORD set to turn it on.",
                icon=":material/lock_open:",
            )
            return
        if teacher_unlocked(limits):
            draw_teacher_actions()
