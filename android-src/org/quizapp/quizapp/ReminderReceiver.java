package org.quizapp.quizapp;

import android.app.AlarmManager;
import android.app.Notification;
import android.app.NotificationManager;
import android.app.PendingIntent;
import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.content.SharedPreferences;
import android.os.Build;
import java.util.Calendar;

/**
 * The Android half of the daily reminder (the Python half is quizapp/ui/notify.py).
 *
 * The app calls schedule() with the time and the (discreet) text, or cancel(). The reminder is
 * kept in SharedPreferences so that it outlives the app: the alarm is set again after a reboot
 * or an update (BOOT_COMPLETED, MY_PACKAGE_REPLACED; android-manifest/receivers.xml registers
 * this receiver). When the alarm goes off the notification is posted and the alarm set for the
 * same wall-clock time the next day: cards still due stay due until the learner studies them in
 * the app, which then sets the reminder anew.
 *
 * The alarm is inexact (setAndAllowWhileIdle), so no exact-alarm permission is needed; in Doze it
 * may come some minutes late. Without POST_NOTIFICATIONS (Android 13+) nothing is shown.
 */
public class ReminderReceiver extends BroadcastReceiver {
    static final String PREFERENCES = "quizapp_reminder";
    static final String KEY_AT = "at_millis";
    static final String KEY_TITLE = "title";
    static final String KEY_TEXT = "text";
    static final String KEY_CHANNEL = "channel";
    static final String ACTION_REMIND = "org.quizapp.quizapp.REMIND";
    static final int NOTIFICATION_ID = 1;

    /** Set the one reminder (called from Python); replaces the one set before. */
    public static void schedule(Context context, long atMillis, String title, String text, String channel) {
        preferences(context).edit()
                .putLong(KEY_AT, atMillis)
                .putString(KEY_TITLE, title)
                .putString(KEY_TEXT, text)
                .putString(KEY_CHANNEL, channel)
                .apply();
        setAlarm(context, atMillis);
    }

    /** No reminder (turned off, or nothing due): the alarm and any reminder on show go. */
    public static void cancel(Context context) {
        preferences(context).edit().clear().apply();
        alarms(context).cancel(alarmIntent(context));
        notifications(context).cancel(NOTIFICATION_ID);
    }

    @Override
    public void onReceive(Context context, Intent intent) {
        SharedPreferences preferences = preferences(context);
        long at = preferences.getLong(KEY_AT, 0);
        if (at == 0) {
            return;
        }
        String action = intent.getAction();
        if (ACTION_REMIND.equals(action)) {
            show(context, preferences);
            Calendar next = Calendar.getInstance();  // the device's zone: the same wall-clock time
            next.setTimeInMillis(at);
            do {
                next.add(Calendar.DAY_OF_MONTH, 1);
            } while (next.getTimeInMillis() <= System.currentTimeMillis());
            preferences.edit().putLong(KEY_AT, next.getTimeInMillis()).apply();
            setAlarm(context, next.getTimeInMillis());
        } else if (Intent.ACTION_BOOT_COMPLETED.equals(action) || Intent.ACTION_MY_PACKAGE_REPLACED.equals(action)) {
            setAlarm(context, at);  // a time that passed while the phone was off goes off at once
        }
    }

    private static void show(Context context, SharedPreferences preferences) {
        Intent open = context.getPackageManager().getLaunchIntentForPackage(context.getPackageName());
        PendingIntent tap = PendingIntent.getActivity(context, 0, open, PendingIntent.FLAG_UPDATE_CURRENT | PendingIntent.FLAG_IMMUTABLE);
        Notification.Builder builder = Build.VERSION.SDK_INT >= 26
                ? new Notification.Builder(context, preferences.getString(KEY_CHANNEL, ""))
                : new Notification.Builder(context);
        builder.setSmallIcon(context.getApplicationInfo().icon)
                .setContentTitle(preferences.getString(KEY_TITLE, ""))
                .setContentText(preferences.getString(KEY_TEXT, ""))
                .setContentIntent(tap)
                .setAutoCancel(true);
        notifications(context).notify(NOTIFICATION_ID, builder.build());
    }

    private static void setAlarm(Context context, long atMillis) {
        alarms(context).setAndAllowWhileIdle(AlarmManager.RTC_WAKEUP, atMillis, alarmIntent(context));
    }

    private static PendingIntent alarmIntent(Context context) {
        Intent intent = new Intent(context, ReminderReceiver.class).setAction(ACTION_REMIND);
        return PendingIntent.getBroadcast(context, 0, intent, PendingIntent.FLAG_UPDATE_CURRENT | PendingIntent.FLAG_IMMUTABLE);
    }

    private static SharedPreferences preferences(Context context) {
        return context.getSharedPreferences(PREFERENCES, Context.MODE_PRIVATE);
    }

    private static AlarmManager alarms(Context context) {
        return (AlarmManager) context.getSystemService(Context.ALARM_SERVICE);
    }

    private static NotificationManager notifications(Context context) {
        return (NotificationManager) context.getSystemService(Context.NOTIFICATION_SERVICE);
    }
}
